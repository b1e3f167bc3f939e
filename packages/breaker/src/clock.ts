/** An opaque timer handle, as returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The source of time and timers, injectable so tests can use fake time.
 * `now()` must be wall-clock milliseconds (like `Date.now()`) if breakers are persisted with
 * `toJSON()` and restored in another process.
 */
export interface Clock {
  now(): number;
  /** Schedules `callback` after `ms`; the timer should not keep the process alive. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// The globals are looked up on every call, not captured at import time, so fake timers
// installed after this module loads (vi.useFakeTimers) still apply.
// BAD: setTimeout: globalThis.setTimeout — GOOD: setTimeout: (cb, ms) => setTimeout(cb, ms)
/** The default clock: `Date.now()` and unref'd `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending timeout must never be what keeps a process from exiting.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The default clock of `retry`: like {@link systemClock}, but its timers keep the process
 * alive. A backoff wait is the very work a caller awaits; unref'd, `await retry(...)` in a
 * script would let Node exit in the middle of it (an unsettled top-level await, exit code 13).
 * Aborting `retry`'s signal clears the wait.
 */
export const keepAliveClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

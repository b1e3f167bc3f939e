/** An opaque handle from {@link Clock.setTimeout}; only ever passed back to `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * The source of time and timers, the same shape in every `@x` package; inject a fake one for
 * fake time in tests. The pool reads time and sets every timer through it (generic-pool under
 * it is given no timer of its own).
 */
export interface Clock {
  /**
   * Wall-clock milliseconds since the Unix epoch, like `Date.now()`. Never goes backwards.
   * The pool only subtracts two readings (idle ages, time left of an acquire's timeout).
   */
  now(): number;
  /**
   * Calls `callback` once after `ms`. `systemClock`'s timers are ref'd; the pool unrefs the
   * handles (by calling their `unref()`, when they have one) of timers nobody awaits: idle
   * sweeps, and the create / validate / destroy / backoff timers of a peer
   * while none of its acquires waits and no `drain()` is in progress.
   */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// The globals are looked up on every call, not captured at import time, so fake timers
// installed after this module loads (vi.useFakeTimers) still apply.
// BAD: setTimeout: globalThis.setTimeout — GOOD: setTimeout: (cb, ms) => setTimeout(cb, ms)
/** The default clock: `Date.now()` and plain (ref'd) Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Lets the process exit while `handle` is pending (a no-op for handles without `unref`). */
export function unrefTimer(handle: TimerHandle): void {
  (handle as { unref?(): unknown } | null | undefined)?.unref?.();
}

/** A timer of the pool's own bookkeeping (the idle sweeps): never keeps the process alive. */
export function backgroundTimeout(clock: Clock, callback: () => void, ms: number): TimerHandle {
  const handle = clock.setTimeout(callback, ms);
  unrefTimer(handle);
  return handle;
}

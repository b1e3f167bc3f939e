/** An opaque handle from {@link Clock.setTimeout}; only ever passed back to `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * The source of time and timers, the same shape in every `@x` package; inject a fake one for
 * fake time in tests.
 */
export interface Clock {
  /**
   * Wall-clock milliseconds since the Unix epoch, like `Date.now()`. Never goes backwards.
   * Breakers persisted with `toJSON()` and restored in another process compare `retryAt` and
   * window buckets against it, so it must be this time base.
   */
  now(): number;
  /**
   * Calls `callback` once after `ms`. `systemClock`'s timers are ref'd: the breaker only sets a
   * timer for a call's `timeout` and `retry` only for a wait between attempts, both work a
   * caller awaits, and both are cleared the moment that work settles.
   */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// The globals are looked up on every call, not captured at import time, so fake timers
// installed after this module loads (vi.useFakeTimers) still apply.
// BAD: setTimeout: globalThis.setTimeout — GOOD: setTimeout: (cb, ms) => setTimeout(cb, ms)
/** The default clock: `Date.now()` and plain (ref'd) `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

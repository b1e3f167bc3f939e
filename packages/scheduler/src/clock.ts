/** An opaque handle from {@link Clock.setTimeout}; only ever passed back to `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * The source of time and timers, the same shape in every `@x` package. Inject a fake one in tests
 * to drive deadlines, timeouts and aging without sleeping.
 */
export interface Clock {
  /**
   * Wall-clock milliseconds since the Unix epoch, like `Date.now()`. Never goes backwards.
   * Deadlines passed to `add()` are timestamps on this clock.
   */
  now(): number;
  /**
   * Calls `callback` once after `ms`. `systemClock`'s timers are ref'd: the scheduler only sets
   * timers for work a caller awaits, a running task's `timeout` and, under
   * `onDeadlineMiss: 'reject' | 'drop'`, the earliest deadline of the waiting tasks, and clears
   * each one as soon as that work settles. It has no background timers (aging is computed from
   * `now()`, not by a timer).
   */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// The globals are looked up on every call, not captured at import time, so fake timers
// installed after this module loads (vi.useFakeTimers) still apply.
// BAD: setTimeout: setTimeout — GOOD: setTimeout: (cb, ms) => setTimeout(cb, ms)
/** The default clock: `Date.now()` and plain (ref'd) `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function assertClock(clock: unknown, option: string): asserts clock is Clock {
  const c = clock as Partial<Clock> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  ) {
    throw new TypeError(`${option} must be an object with now(), setTimeout() and clearTimeout()`);
  }
}

/** A handle returned by {@link Clock.setTimeout}; only ever passed back to `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * Where the scheduler reads the time and sets its timers. Inject one in tests to drive deadlines,
 * timeouts and aging without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin that deadlines are expressed in). */
  now(): number;
  /** Calls `callback` once after `delayMs`. The timer must not keep the process alive. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock. Each call looks the globals up at call time, so `vi.useFakeTimers()` installed
 * after import still takes effect.
 * BAD: `setTimeout: setTimeout` — GOOD: `setTimeout: (cb, ms) => setTimeout(cb, ms)`.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    // A queued deadline or a task's timeout is no reason to keep the process running.
    timer.unref?.();
    return timer;
  },
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

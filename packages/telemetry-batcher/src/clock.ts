/** An opaque handle from {@link Clock.setTimeout}; only ever passed back to `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * Where time comes from, the same shape in every `@x` package. Inject one to drive the batcher
 * from a test without sleeping.
 */
export interface Clock {
  /**
   * Wall-clock milliseconds since the Unix epoch, like `Date.now()`. Never goes backwards.
   * The batcher only takes differences of it (`lastExportDurationMs`).
   */
  now(): number;
  /**
   * Calls `callback` once after `ms`. `systemClock`'s timers are ref'd; the batcher itself
   * unrefs the handles of its background timers (the periodic flush, and export timeouts and
   * retry waits that no `flush()` or `shutdown()` awaits).
   */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// BAD: `setTimeout: setTimeout` captures the function at import time, so fake timers installed
// later are ignored. GOOD: wrap, so the global is looked up on every call.
/** The default clock: `Date.now()` and plain (ref'd) Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Lets a timer stop keeping the process alive, when its handle can (Node's can). */
export function unrefTimer(handle: TimerHandle): void {
  (handle as { unref?(): unknown } | null | undefined)?.unref?.();
}

/** Makes a timer keep the process alive again, when its handle can. */
export function refTimer(handle: TimerHandle): void {
  (handle as { ref?(): unknown } | null | undefined)?.ref?.();
}

/** Throws a TypeError naming `option` unless `clock` has the {@link Clock} methods. */
export function assertClock(option: string, clock: unknown): Clock {
  const c = clock as Partial<Clock> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  ) {
    throw new TypeError(
      `${option} must be an object with now(), setTimeout(callback, ms) and clearTimeout(handle)`,
    );
  }
  return c as Clock;
}

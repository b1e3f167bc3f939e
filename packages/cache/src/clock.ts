/** An opaque handle from {@link Clock.setTimeout}; only ever passed back to `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * The source of time and timers, the same shape in every `@x` package; inject a fake one to
 * test expiry and timeouts with fake time.
 */
export interface Clock {
  /**
   * Wall-clock milliseconds since the Unix epoch, like `Date.now()`. Never goes backwards.
   * TTLs are stored as absolute epoch times (`DiskStore` and Keyv tiers persist them), so it must
   * be this time base.
   */
  now(): number;
  /**
   * Calls `callback` once after `ms`. `systemClock`'s timers are ref'd: the cache keeps a tier
   * timeout ref'd while the `get` it guards is awaited, and unrefs its background timers
   * (`DiskStore`'s sweep and read-time flush) itself.
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

/** Lets a background timer not keep the process alive, when its handle can tell (Node's can). */
export function unrefTimer(handle: TimerHandle): void {
  (handle as { unref?(): unknown } | undefined)?.unref?.();
}

/** Throws a TypeError naming the option unless `clock` has the three methods of {@link Clock}. */
export function assertClock(clock: unknown): asserts clock is Clock {
  const c = clock as Partial<Clock> | undefined;
  if (
    typeof c?.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  ) {
    throw new TypeError(
      'clock must have now(), setTimeout(callback, ms) and clearTimeout(handle) methods (see Clock); ' +
        'pass systemClock or a fake clock of that shape.',
    );
  }
}

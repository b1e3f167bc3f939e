/** The time source and timers a run uses; swap it for a fake one in tests. */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences are used. */
  now(): number;
  /** Schedules `callback` after `ms`; the returned handle goes to `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Wall-clock time and Node's timers, every timer unref()'d.
 * BAD: `setTimeout: setTimeout` — captures the function at import time, so fake timers
 * installed later (vi.useFakeTimers) would be missed. GOOD: look it up on every call.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    if (typeof handle === 'object' && typeof handle.unref === 'function') handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

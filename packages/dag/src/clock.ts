/** The time source and timers a run uses; swap it for a fake one in tests. */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences are used. */
  now(): number;
  /** Schedules `callback` after `ms`; the returned handle goes to `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Wall-clock time and Node's timers.
 *
 * The timers stay referenced on purpose: a run only sets one while the caller is awaiting it (a
 * retry delay, a step's time limit), and clears every one the moment the run settles or is
 * aborted. An unref()'d retry timer would let the process exit in the middle of an awaited run,
 * with no result and no error. So a run keeps the process alive exactly as long as it runs;
 * to stop early, abort its signal.
 *
 * BAD: `setTimeout: setTimeout` — captures the function at import time, so fake timers
 * installed later (vi.useFakeTimers) would be missed. GOOD: look it up on every call.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

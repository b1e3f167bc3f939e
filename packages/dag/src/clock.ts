/** An opaque handle from {@link Clock.setTimeout}; only ever passed back to `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * The source of time and timers a run uses, the same shape in every `@x` package; inject a fake
 * one for fake time in tests.
 */
export interface Clock {
  /**
   * Wall-clock milliseconds since the Unix epoch, like `Date.now()`. Never goes backwards.
   * `RunResult.startedAt`, `StepResult.startedAt` and `StepEvent.timeMs` are read from it.
   */
  now(): number;
  /**
   * Calls `callback` once after `ms`. `systemClock`'s timers are ref'd: a run only sets one for
   * work its caller awaits (a step's time limit, a retry wait) and clears it the moment that work
   * settles or the run ends.
   */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * `Date.now()` and Node's timers.
 *
 * The timers stay referenced on purpose: a run only sets one while the caller is awaiting it (a
 * retry delay, a step's time limit), and clears every one the moment the run settles or is
 * aborted. An unref()'d retry timer would let the process exit in the middle of an awaited run,
 * with no result and no error (exit code 13, "unsettled top-level await"). So a run keeps the
 * process alive exactly as long as it runs; to stop early, abort its signal. A `Workflow` holds
 * no timer between runs, so there is no background timer to unref.
 *
 * BAD: `setTimeout: setTimeout` — captures the function at import time, so fake timers
 * installed later (vi.useFakeTimers) would be missed. GOOD: look it up on every call.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

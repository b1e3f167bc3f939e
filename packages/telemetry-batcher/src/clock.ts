/** A timer handle as Node returns it; only `unref` and `ref` matter to us. */
export interface TimerHandle {
  unref?(): unknown;
  ref?(): unknown;
}

/**
 * Where time comes from. Inject one to drive the batcher from a test without sleeping; the
 * default reads the globals at call time, so `vi.useFakeTimers()` works on it too.
 */
export interface Clock {
  /** Milliseconds, monotonic enough to measure durations. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

// BAD: `setTimeout: setTimeout` captures the function at import time, so fake timers installed
// later are ignored. GOOD: wrap, so the global is looked up on every call.
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/** Starts a timer that never keeps the process alive. */
export function unrefTimeout(clock: Clock, callback: () => void, ms: number): TimerHandle {
  const handle = clock.setTimeout(callback, ms);
  handle.unref?.();
  return handle;
}

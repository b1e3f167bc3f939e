// The globals are looked up on every call, not captured at import time, so fake timers
// installed after this module loads (vi.useFakeTimers) still apply. generic-pool reads the same
// globals, which is why the pool has no clock of its own: one time source, not two.
// BAD: const set = globalThis.setTimeout — GOOD: (cb, ms) => setTimeout(cb, ms)

export type TimerHandle = ReturnType<typeof setTimeout>;

/** A timeout that never keeps the process alive. */
export function unrefTimeout(callback: () => void, ms: number): TimerHandle {
  const handle = setTimeout(callback, ms);
  handle.unref?.();
  return handle;
}

export function now(): number {
  return Date.now();
}

/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms`. `onLate` receives a value
 * that arrives after the timeout, so its owner can dispose of it instead of leaking it.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  onLate?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = unrefTimeout(() => {
      timedOut = true;
      reject(onTimeout());
    }, ms);
    promise.then(
      (value) => {
        if (timedOut) onLate?.(value);
        else {
          clearTimeout(timer);
          resolve(value);
        }
      },
      (error: unknown) => {
        if (!timedOut) {
          clearTimeout(timer);
          reject(error);
        }
      },
    );
  });
}

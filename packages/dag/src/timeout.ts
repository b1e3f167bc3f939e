import type { Clock } from './clock.js';

/**
 * Settles like `result`, or rejects with `onTimeout()` after `timeoutMs`, aborting `controller`
 * with that error so the step can stop its work. When `parent` fires first, `controller` is
 * aborted with the parent's reason and the timer is cleared; the outcome is then left to the
 * caller, who stopped listening.
 */
export function withTimeout<T>(
  result: PromiseLike<T>,
  timeoutMs: number,
  controller: AbortController,
  parent: AbortSignal,
  clock: Clock,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanUp = () => {
      clock.clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    };
    const onParentAbort = () => {
      cleanUp();
      controller.abort(parent.reason);
    };
    const timer = clock.setTimeout(() => {
      cleanUp();
      const error = onTimeout();
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    parent.addEventListener('abort', onParentAbort, { once: true });
    result.then(
      (value) => {
        cleanUp();
        resolve(value);
      },
      (error: unknown) => {
        cleanUp();
        reject(error);
      },
    );
  });
}

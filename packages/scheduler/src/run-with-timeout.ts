import type { Clock } from './clock.js';
import { TaskTimeoutError } from './errors.js';

/** What a task function receives. */
export interface TaskContext {
  /** Aborts when the caller's signal aborts or the task's `timeout` passes. */
  readonly signal?: AbortSignal;
}

export type Task<T> = (context: TaskContext) => T | PromiseLike<T>;

/**
 * Runs `task` with a signal that aborts on the caller's signal or after `timeoutMs`, and rejects
 * with {@link TaskTimeoutError} at the timeout even if the task ignores its signal.
 */
export function runWithTimeout<T>(
  task: Task<T>,
  taskId: string,
  timeoutMs: number,
  userSignal: AbortSignal | undefined,
  clock: Clock,
): Promise<T> {
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(userSignal?.reason);
  if (userSignal?.aborted) forwardAbort();
  else userSignal?.addEventListener('abort', forwardAbort, { once: true });
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      const error = new TaskTimeoutError(taskId, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    const settle = () => {
      clock.clearTimeout(timer);
      userSignal?.removeEventListener('abort', forwardAbort);
    };
    let result: T | PromiseLike<T>;
    try {
      result = task({ signal: controller.signal });
    } catch (error) {
      settle();
      reject(error);
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

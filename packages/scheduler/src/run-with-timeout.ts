import type { Clock, TimerHandle } from './clock.js';
import { TaskTimeoutError } from './errors.js';
import { isThenable, NO_SIGNAL } from './task-record.js';

/** What a task function receives. */
export interface TaskContext {
  /** Aborts when the caller's signal aborts or the task's `timeout` passes. */
  readonly signal?: AbortSignal;
}

export type Task<T> = (context: TaskContext) => T | PromiseLike<T>;

/** Told once how a guarded task ended, just before its result settles. */
export type OnSettled = (ok: boolean, error: unknown) => void;

/**
 * Runs `task` and calls `onSettled` once, right before the returned value or promise settles.
 * With a `signal`, the promise rejects with its reason the moment it aborts; with `timeoutMs`,
 * the task's signal aborts and the promise rejects with {@link TaskTimeoutError} at the timeout,
 * even if the task ignores its signal.
 *
 * The timeout timer is ref'd (the clock's default): it guards work the caller awaits, so a task
 * that hangs in a script that has nothing else to do still times out instead of letting the
 * process exit first. It is cleared the moment the task settles, whichever way.
 */
export function runGuarded<T>(
  task: Task<T>,
  taskId: string,
  timeoutMs: number | undefined,
  userSignal: AbortSignal | undefined,
  clock: Clock,
  onSettled: OnSettled,
): T | Promise<T> {
  if (timeoutMs === undefined && userSignal === undefined) {
    let result: T | PromiseLike<T>;
    try {
      result = task(NO_SIGNAL);
    } catch (error) {
      onSettled(false, error);
      throw error;
    }
    if (!isThenable(result)) {
      onSettled(true, undefined);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        onSettled(true, undefined);
        return value;
      },
      (error: unknown) => {
        onSettled(false, error);
        throw error;
      },
    );
  }
  return new Promise<T>((resolve, reject) => {
    const controller = timeoutMs === undefined ? undefined : new AbortController();
    let timer: TimerHandle | undefined;
    let settled = false;
    const settle = (ok: boolean, value: unknown) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      userSignal?.removeEventListener('abort', onAbort);
      onSettled(ok, ok ? undefined : value);
      if (ok) resolve(value as T);
      else reject(value);
    };
    const onAbort = () => {
      controller?.abort(userSignal?.reason);
      settle(false, userSignal?.reason);
    };
    if (userSignal?.aborted) {
      onAbort();
      return;
    }
    userSignal?.addEventListener('abort', onAbort, { once: true });
    if (controller !== undefined && timeoutMs !== undefined) {
      timer = clock.setTimeout(() => {
        const error = new TaskTimeoutError(taskId, timeoutMs);
        controller.abort(error);
        settle(false, error);
      }, timeoutMs);
    }
    let result: T | PromiseLike<T>;
    try {
      result = task(
        controller === undefined ? { signal: userSignal } : { signal: controller.signal },
      );
    } catch (error) {
      settle(false, error);
      return;
    }
    Promise.resolve(result).then(
      (value) => settle(true, value),
      (error: unknown) => settle(false, error),
    );
  });
}

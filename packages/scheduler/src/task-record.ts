import type { HeapNode } from './indexed-heap.js';
import type { InheritanceNode } from './priority-inheritance.js';
import type { TaskContext } from './run-with-timeout.js';

export type TaskState = 'waiting' | 'running' | 'expired' | 'cleared' | 'cancelled';

/**
 * The scheduler's view of one task that needs bookkeeping (an id, a deadline, a signal or a
 * timeout), from `add()` until it settles. Tasks with none of these get no record.
 */
export interface TaskRecord extends InheritanceNode, HeapNode {
  readonly id: string;
  /** Whether the caller named it, so it can be found by id. */
  readonly named: boolean;
  /** Clock milliseconds; `Infinity` when none. */
  readonly deadline: number;
  readonly addedAt: number;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  state: TaskState;
  stopAbortListener: (() => void) | undefined;
}

export function createRecord(
  id: string,
  named: boolean,
  deadline: number,
  addedAt: number,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): TaskRecord {
  return {
    id,
    named,
    deadline,
    addedAt,
    signal,
    timeoutMs,
    state: 'waiting',
    entry: undefined,
    donors: undefined,
    recipients: undefined,
    stopAbortListener: undefined,
    heapIndex: -1,
  };
}

/**
 * Calls `cancel` if `signal` aborts (at once if it already has); the record keeps the function
 * that stops listening, for when the task starts or settles.
 */
export function onAbortWhileWaiting(
  record: TaskRecord,
  signal: AbortSignal,
  cancel: () => void,
): void {
  if (signal.aborted) {
    cancel();
    return;
  }
  signal.addEventListener('abort', cancel, { once: true });
  record.stopAbortListener = () => signal.removeEventListener('abort', cancel);
}

/** Handed to tasks that have neither a signal nor a timeout, to save an object per task. */
export const NO_SIGNAL: TaskContext = Object.freeze({});

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

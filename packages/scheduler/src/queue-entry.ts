import { shown } from './errors.js';
import type { HeapNode } from './indexed-heap.js';

/** How a queue orders its waiting tasks. Ties always go first-in, first-out. */
export type Policy = 'fifo' | 'priority' | 'deadline' | 'priority-deadline';

export const POLICIES: readonly Policy[] = ['fifo', 'priority', 'deadline', 'priority-deadline'];

/** What p-queue puts in a queue: its wrapper around one task. */
export type RunFunction = () => Promise<unknown>;

/**
 * The options p-queue hands to `enqueue` (everything passed to `queue.add`). `deadline` is ours;
 * p-queue passes it through untouched.
 */
export interface QueueAddOptions {
  /** Identifies the task for `remove(id)` and `setPriority(id)`. p-queue always assigns one. */
  readonly id?: string;
  /** Higher runs first. Must be finite. @default 0 */
  readonly priority?: number;
  /** Clock milliseconds (`Date.now()` by default) by which the task should start. */
  readonly deadline?: number;
}

/** The two numbers a task is ordered by; inherited boosts are expressed in them too. */
export interface Rank {
  /** Effective priority: the task's priority, plus its aging, or an inherited one if higher. */
  readonly rankPriority: number;
  /** Effective deadline; `Infinity` when the task has none. */
  readonly rankDeadline: number;
}

/** One waiting (or, once dequeued, started) task as a queue sees it. */
export interface QueueEntry extends HeapNode, Rank {
  readonly run: RunFunction;
  /** `''` when the task was enqueued without an id (then it cannot be found by id). */
  readonly id: string;
  /** The task's own priority, as given or as last set by `setPriority`. */
  priority: number;
  /** The task's own deadline; `Infinity` when it has none. */
  readonly deadline: number;
  /** Arrival order, for FIFO ties. */
  readonly seq: number;
  /**
   * Aging as a constant: priority points a task that arrived at the queue's creation would have
   * gained by this task's arrival. Subtracting it gives a key that never needs re-scanning.
   */
  readonly agingOffset: number;
  rankPriority: number;
  rankDeadline: number;
  /** The best rank inherited from tasks this one blocks, if any. */
  boost: Rank | undefined;
}

export function createEntry(
  run: RunFunction,
  options: QueueAddOptions | undefined,
  seq: number,
  agingOffset: number,
): QueueEntry {
  const priority = options?.priority ?? 0;
  assertFinitePriority(priority);
  const given = options?.deadline;
  if (given !== undefined && (typeof given !== 'number' || !Number.isFinite(given))) {
    throw new RangeError(
      `deadline must be a finite timestamp in clock milliseconds, got ${shown(given)}`,
    );
  }
  const deadline = given ?? Number.POSITIVE_INFINITY;
  return {
    run,
    id: options?.id ?? '',
    priority,
    deadline,
    seq,
    agingOffset,
    rankPriority: priority - agingOffset,
    rankDeadline: deadline,
    boost: undefined,
    heapIndex: -1,
  };
}

export function assertFinitePriority(priority: unknown): asserts priority is number {
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    throw new RangeError(`priority must be a finite number, got ${shown(priority)}`);
  }
}

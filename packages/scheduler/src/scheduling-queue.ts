import type { Policy, QueueAddOptions, QueueEntry, Rank, RunFunction } from './queue-entry.js';

/**
 * p-queue's `queueClass` contract (9.x and 10.x: `remove` is required from 10), plus the
 * entry-level operations the {@link Scheduler} drives.
 */
export interface SchedulingQueue {
  readonly policy: Policy;
  /** Number of waiting tasks. */
  readonly size: number;
  enqueue(run: RunFunction, options?: Partial<QueueAddOptions>): void;
  dequeue(): RunFunction | undefined;
  /** Removes the waiting task with this id; unknown ids are ignored, as p-queue expects. */
  remove(id: string): void;
  /** Changes a waiting task's priority; throws `TaskNotFoundError` for an unknown id. */
  setPriority(id: string, priority: number): void;
  filter(options: Readonly<Partial<QueueAddOptions>>): RunFunction[];

  /** Like `enqueue`, and returns the entry. */
  insert(run: RunFunction, options?: Partial<QueueAddOptions>): QueueEntry;
  /** Like `dequeue`, and returns the entry. */
  shift(): QueueEntry | undefined;
  /** The entry `dequeue` would return next, without removing it. */
  peek(): QueueEntry | undefined;
  /** The waiting entry with this id. */
  get(id: string): QueueEntry | undefined;
  removeEntry(entry: QueueEntry): boolean;
  /** Sets an entry's own priority and re-ranks it, whether it is waiting or already started. */
  updatePriority(entry: QueueEntry, priority: number): void;
  /** Sets (or clears) the rank an entry inherits, and re-ranks it. */
  setBoost(entry: QueueEntry, boost: Rank | undefined): void;
  /** Negative when `a` ranks before `b` under this queue's policy; ignores arrival order. */
  compareRank(a: Rank, b: Rank): number;
  /** Removes and returns every waiting entry, in arrival order. */
  drain(): QueueEntry[];
}

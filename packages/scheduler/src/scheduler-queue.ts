import { FifoQueue } from './fifo-queue.js';
import { HeapQueue, type HeapQueueOptions } from './heap-queue.js';
import { assertNoFifoAging, type QueueClassOptions } from './queue-class.js';
import type { QueueAddOptions, QueueEntry, Rank, RunFunction } from './queue-entry.js';
import type { Task } from './run-with-timeout.js';
import type { SchedulingQueue } from './scheduling-queue.js';
import type { TaskRecord } from './task-record.js';

/** `addedAt` of a task whose waiting time is not sampled. */
export const NOT_SAMPLED = Number.NaN;
/** `addedAt` of a sampled task while `add()` runs: if it starts right away, it waited 0 ms. */
export const ADDING = Number.POSITIVE_INFINITY;

/** How a waiting task's promise is settled: what `add()` returned resolves or rejects. */
export type Settle = (value: unknown) => void;

/** A Scheduler's queue entry: the task and the means to settle what `add()` returned. */
export interface SchedulerEntry extends QueueEntry {
  task: Task<unknown> | undefined;
  /** Only for tasks that need bookkeeping (an id, a deadline, a signal or a timeout). */
  readonly record: TaskRecord | undefined;
  /** Clock ms at `add()` for a sampled task, {@link ADDING}, or {@link NOT_SAMPLED}. */
  addedAt: number;
  /** How many starts this task's waiting-time sample stands for. */
  readonly sampleWeight: number;
  /** What `add()` returned, so that `clear()` can mark its rejection as handled. */
  promise: Promise<unknown> | undefined;
  resolve: Settle;
  reject: Settle;
}

/**
 * One long-lived object through which a Scheduler hands a task's details to its queue's
 * `insert` (whose signature is p-queue's `enqueue`): no options object per task.
 */
export interface Handoff {
  task: Task<unknown> | undefined;
  record: TaskRecord | undefined;
  id: string;
  priority: number;
  deadline: number;
  addedAt: number;
  sampleWeight: number;
}

export function createHandoff(): Handoff {
  return {
    task: undefined,
    record: undefined,
    id: '',
    priority: 0,
    deadline: Number.POSITIVE_INFINITY,
    addedAt: NOT_SAMPLED,
    sampleWeight: 1,
  };
}

/** Until `add()` has made the task's promise; never called. */
const unset: Settle = () => {};

function createSchedulerEntry(
  run: RunFunction,
  handoff: Handoff,
  seq: number,
  agingOffset: number,
): SchedulerEntry {
  const { priority, deadline, record } = handoff;
  const entry: SchedulerEntry = {
    run,
    id: handoff.id,
    priority,
    deadline,
    seq,
    agingOffset,
    rankPriority: priority - agingOffset,
    rankDeadline: deadline,
    boost: undefined,
    heapIndex: -1,
    task: handoff.task,
    record,
    addedAt: handoff.addedAt,
    sampleWeight: handoff.sampleWeight,
    promise: undefined,
    resolve: unset,
    reject: unset,
  };
  handoff.task = undefined;
  handoff.record = undefined;
  if (record !== undefined) record.entry = entry;
  return entry;
}

/**
 * A plain task's entry in the Scheduler's FIFO queue (no id, deadline, signal or timeout, so no
 * record, no aging and no boost). It holds only what varies from task to task: what never varies
 * is read from the prototype, so every waiting task costs less memory (about 100 bytes instead of
 * about 190 on 64-bit Node 20), which on a long queue is less for the garbage collector to copy.
 * Nothing writes the constant fields of a plain entry: `setPriority`, `inheritPriority` and
 * `setBoost` reach only tasks with an id, which always have a record and a full entry.
 */
class PlainFifoEntry implements SchedulerEntry {
  readonly run: RunFunction;
  task: Task<unknown> | undefined;
  priority: number;
  readonly seq: number;
  heapIndex = -1;
  addedAt: number;
  readonly sampleWeight: number;
  promise: Promise<unknown> | undefined = undefined;
  resolve: Settle = unset;
  reject: Settle = unset;

  constructor(run: RunFunction, handoff: Handoff, seq: number) {
    this.run = run;
    this.task = handoff.task;
    this.priority = handoff.priority;
    this.seq = seq;
    this.addedAt = handoff.addedAt;
    this.sampleWeight = handoff.sampleWeight;
  }

  get id(): string {
    return '';
  }

  get deadline(): number {
    return Number.POSITIVE_INFINITY;
  }

  get agingOffset(): number {
    return 0;
  }

  get rankPriority(): number {
    return this.priority;
  }

  get rankDeadline(): number {
    return Number.POSITIVE_INFINITY;
  }

  get boost(): Rank | undefined {
    return undefined;
  }

  get record(): undefined {
    return undefined;
  }
}

/**
 * A plain task's entry in the Scheduler's heap queues: like {@link PlainFifoEntry}, only what
 * varies (aging makes a plain task's rank vary too), the constants read from the class.
 */
class PlainHeapEntry implements SchedulerEntry {
  readonly run: RunFunction;
  task: Task<unknown> | undefined;
  priority: number;
  readonly rankPriority: number;
  readonly agingOffset: number;
  readonly seq: number;
  heapIndex = -1;
  addedAt: number;
  readonly sampleWeight: number;
  promise: Promise<unknown> | undefined = undefined;
  resolve: Settle = unset;
  reject: Settle = unset;

  constructor(run: RunFunction, handoff: Handoff, seq: number, agingOffset: number) {
    this.run = run;
    this.task = handoff.task;
    this.priority = handoff.priority;
    this.rankPriority = handoff.priority - agingOffset;
    this.agingOffset = agingOffset;
    this.seq = seq;
    this.addedAt = handoff.addedAt;
    this.sampleWeight = handoff.sampleWeight;
  }

  get id(): string {
    return '';
  }

  get deadline(): number {
    return Number.POSITIVE_INFINITY;
  }

  get rankDeadline(): number {
    return Number.POSITIVE_INFINITY;
  }

  get boost(): Rank | undefined {
    return undefined;
  }

  get record(): undefined {
    return undefined;
  }
}

/**
 * The Scheduler's FIFO queue: builds its entries from the handoff, a slim one for a plain task.
 */
class HandoffFifoQueue extends FifoQueue {
  readonly #handoff: Handoff;

  constructor(handoff: Handoff) {
    super();
    this.#handoff = handoff;
  }

  protected override newEntry(
    run: RunFunction,
    _options: Partial<QueueAddOptions> | undefined,
    seq: number,
    agingOffset: number,
  ): QueueEntry {
    const handoff = this.#handoff;
    if (handoff.record !== undefined) return createSchedulerEntry(run, handoff, seq, agingOffset);
    const entry = new PlainFifoEntry(run, handoff, seq);
    handoff.task = undefined;
    return entry;
  }
}

/** The Scheduler's heap queue: builds its entries from the handoff. */
class HandoffHeapQueue extends HeapQueue {
  readonly #handoff: Handoff;

  constructor(options: HeapQueueOptions, handoff: Handoff) {
    super(options);
    this.#handoff = handoff;
  }

  protected override newEntry(
    run: RunFunction,
    _options: Partial<QueueAddOptions> | undefined,
    seq: number,
    agingOffset: number,
  ): QueueEntry {
    const handoff = this.#handoff;
    if (handoff.record !== undefined) return createSchedulerEntry(run, handoff, seq, agingOffset);
    const entry = new PlainHeapEntry(run, handoff, seq, agingOffset);
    handoff.task = undefined;
    return entry;
  }
}

/** Builds the queue for one Scheduler; its entries come from `handoff`. */
export function schedulerQueue(options: QueueClassOptions, handoff: Handoff): SchedulingQueue {
  const { policy = 'priority', agingPriorityPerSecond, clock } = options;
  if (policy === 'fifo') {
    assertNoFifoAging(agingPriorityPerSecond);
    return new HandoffFifoQueue(handoff);
  }
  return new HandoffHeapQueue(
    { policy, agingPriorityPerSecond, ...(clock ? { clock } : {}) },
    handoff,
  );
}

import type { Clock } from './clock.js';
import { FifoQueue } from './fifo-queue.js';
import { HeapQueue, type HeapQueueOptions } from './heap-queue.js';
import type { Policy, QueueAddOptions, QueueEntry, RunFunction } from './queue-entry.js';
import type { SchedulingQueue } from './scheduling-queue.js';

export interface QueueClassOptions {
  /** Order of the waiting tasks. @default 'priority' */
  policy?: Policy;
  /**
   * Priority points a waiting task gains per second of waiting ('priority' and
   * 'priority-deadline' only). @default 0
   */
  agingPriorityPerSecond?: number;
  /** Time source for aging. @default systemClock */
  clock?: Pick<Clock, 'now'>;
}

/**
 * A zero-argument queue class for p-queue's `queueClass` option, for settings a constructor
 * cannot take there (aging, a clock).
 * @example new PQueue({ concurrency: 4, queueClass: createQueueClass({ agingPriorityPerSecond: 1 }) })
 */
export function createQueueClass(options: QueueClassOptions = {}): new () => SchedulingQueue {
  const { policy = 'priority', agingPriorityPerSecond, clock } = options;
  if (policy === 'fifo') {
    assertNoFifoAging(agingPriorityPerSecond);
    return FifoQueue;
  }
  const heapOptions = { policy, agingPriorityPerSecond, ...(clock ? { clock } : {}) };
  // Fail here, where the options were given, rather than later inside p-queue's constructor.
  new HeapQueue(heapOptions);
  return class ConfiguredHeapQueue extends HeapQueue {
    constructor() {
      super(heapOptions);
    }
  };
}

type OnInsert = (entry: QueueEntry) => void;

/** The Scheduler's FIFO queue: reports each entry it inserts, so a task knows its entry. */
class ReportingFifoQueue extends FifoQueue {
  readonly #onInsert: OnInsert;

  constructor(onInsert: OnInsert) {
    super();
    this.#onInsert = onInsert;
  }

  override insert(run: RunFunction, options?: Partial<QueueAddOptions>): QueueEntry {
    const entry = super.insert(run, options);
    this.#onInsert(entry);
    return entry;
  }
}

/** The Scheduler's heap queue: reports each entry it inserts, so a task knows its entry. */
class ReportingHeapQueue extends HeapQueue {
  readonly #onInsert: OnInsert;

  constructor(options: HeapQueueOptions, onInsert: OnInsert) {
    super(options);
    this.#onInsert = onInsert;
  }

  override insert(run: RunFunction, options?: Partial<QueueAddOptions>): QueueEntry {
    const entry = super.insert(run, options);
    this.#onInsert(entry);
    return entry;
  }
}

/**
 * Builds the queue for one Scheduler and a `queueClass` that hands exactly that queue to p-queue.
 * The queue's own class is shared by every scheduler, so p-queue's call sites stay monomorphic
 * however many schedulers a process makes.
 */
export function schedulerQueue(
  options: QueueClassOptions,
  onInsert: OnInsert,
): { queue: SchedulingQueue; queueClass: new () => SchedulingQueue } {
  const { policy = 'priority', agingPriorityPerSecond, clock } = options;
  let queue: SchedulingQueue;
  if (policy === 'fifo') {
    assertNoFifoAging(agingPriorityPerSecond);
    queue = new ReportingFifoQueue(onInsert);
  } else {
    queue = new ReportingHeapQueue(
      { policy, agingPriorityPerSecond, ...(clock ? { clock } : {}) },
      onInsert,
    );
  }
  class HandOver {
    constructor() {
      // biome-ignore lint/correctness/noConstructorReturn: p-queue builds its queue with `new`; this hands it ours.
      return queue;
    }
  }
  return { queue, queueClass: HandOver as unknown as new () => SchedulingQueue };
}

function assertNoFifoAging(agingPriorityPerSecond: number | undefined): void {
  if (agingPriorityPerSecond !== undefined && agingPriorityPerSecond !== 0) {
    throw new TypeError(
      "aging needs a policy that uses priority ('priority' or 'priority-deadline')",
    );
  }
}

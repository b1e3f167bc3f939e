import type { Clock } from './clock.js';
import { FifoQueue } from './fifo-queue.js';
import { HeapQueue } from './heap-queue.js';
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
  return boundQueueClass(options, {});
}

/** What a {@link Scheduler} hears from the queue p-queue builds for it. */
export interface QueueHooks {
  onCreate?(queue: SchedulingQueue): void;
  /** Every entry inserted, with the options p-queue passed along (the scheduler's own fields). */
  onInsert?(entry: QueueEntry, options: Partial<QueueAddOptions> | undefined): void;
}

/** Like {@link createQueueClass}, and tells `hooks` about the queue and its entries. */
export function boundQueueClass(
  options: QueueClassOptions,
  hooks: QueueHooks,
): new () => SchedulingQueue {
  const { policy = 'priority', agingPriorityPerSecond, clock } = options;
  const { onCreate, onInsert } = hooks;
  if (policy === 'fifo') {
    if (agingPriorityPerSecond !== undefined && agingPriorityPerSecond !== 0) {
      throw new TypeError(
        "aging needs a policy that uses priority ('priority' or 'priority-deadline')",
      );
    }
    return class BoundFifoQueue extends FifoQueue {
      constructor() {
        super();
        onCreate?.(this);
      }

      override insert(run: RunFunction, addOptions?: Partial<QueueAddOptions>): QueueEntry {
        const entry = super.insert(run, addOptions);
        onInsert?.(entry, addOptions);
        return entry;
      }
    };
  }
  const heapOptions = { policy, agingPriorityPerSecond, ...(clock ? { clock } : {}) };
  // Fail here, where the options were given, rather than later inside p-queue's constructor.
  new HeapQueue(heapOptions);
  return class BoundHeapQueue extends HeapQueue {
    constructor() {
      super(heapOptions);
      onCreate?.(this);
    }

    override insert(run: RunFunction, addOptions?: Partial<QueueAddOptions>): QueueEntry {
      const entry = super.insert(run, addOptions);
      onInsert?.(entry, addOptions);
      return entry;
    }
  };
}

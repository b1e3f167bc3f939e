import type { Clock } from './clock.js';
import { FifoQueue } from './fifo-queue.js';
import { HeapQueue } from './heap-queue.js';
import type { Policy } from './queue-entry.js';
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

export function assertNoFifoAging(agingPriorityPerSecond: number | undefined): void {
  if (agingPriorityPerSecond !== undefined && agingPriorityPerSecond !== 0) {
    throw new TypeError(
      "aging needs a policy that uses priority ('priority' or 'priority-deadline')",
    );
  }
}

import type { Clock } from './clock.js';
import { shown, TaskNotFoundError } from './errors.js';
import { IdIndex } from './id-index.js';
import { IndexedHeap } from './indexed-heap.js';
import {
  assertFinitePriority,
  createEntry,
  type Policy,
  type QueueAddOptions,
  type QueueEntry,
  type Rank,
  type RunFunction,
} from './queue-entry.js';
import type { SchedulingQueue } from './scheduling-queue.js';

export interface HeapQueueOptions {
  /**
   * Order of the waiting tasks: `'priority'` (higher first), `'deadline'` (earliest first),
   * `'priority-deadline'` (higher priority, then earlier deadline). Ties are FIFO.
   * @default 'priority'
   */
  policy?: Exclude<Policy, 'fifo'>;
  /**
   * Priority points a waiting task gains per second of waiting, so that no task starves. Only for
   * the policies that use priority. `0` turns aging off.
   * @default 0
   */
  agingPriorityPerSecond?: number;
  /** Time source for aging. @default systemClock */
  clock?: Pick<Clock, 'now'>;
}

type Before = (a: QueueEntry, b: QueueEntry) => boolean;

const BEFORE: Record<Exclude<Policy, 'fifo'>, Before> = {
  priority: (a, b) =>
    a.rankPriority > b.rankPriority || (a.rankPriority === b.rankPriority && a.seq < b.seq),
  deadline: (a, b) =>
    a.rankDeadline < b.rankDeadline || (a.rankDeadline === b.rankDeadline && a.seq < b.seq),
  'priority-deadline': (a, b) =>
    a.rankPriority > b.rankPriority ||
    (a.rankPriority === b.rankPriority &&
      (a.rankDeadline < b.rankDeadline || (a.rankDeadline === b.rankDeadline && a.seq < b.seq))),
};

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A p-queue `queueClass` on a binary heap: enqueue, dequeue, `remove(id)` and `setPriority(id)`
 * are all O(log n). Works as `new PQueue({ queueClass: PriorityHeapQueue })` with p-queue 9 and 10.
 */
export class HeapQueue implements SchedulingQueue {
  readonly policy: Exclude<Policy, 'fifo'>;
  readonly #heap: IndexedHeap<QueueEntry>;
  readonly #ids = new IdIndex(() => this.#heap.values());
  readonly #agingPerMs: number;
  readonly #clock: Pick<Clock, 'now'> | undefined;
  readonly #origin: number;
  #seq = 0;

  constructor(options: HeapQueueOptions = {}) {
    const policy = options.policy ?? 'priority';
    const before = Object.hasOwn(BEFORE, policy) ? BEFORE[policy] : undefined;
    if (before === undefined) {
      throw new TypeError(
        `policy must be 'priority', 'deadline' or 'priority-deadline' (use FifoQueue for 'fifo'), got ${shown(policy)}`,
      );
    }
    const aging = options.agingPriorityPerSecond ?? 0;
    if (typeof aging !== 'number' || !Number.isFinite(aging) || aging < 0) {
      throw new RangeError(
        `agingPriorityPerSecond must be a finite number >= 0, got ${shown(aging)}`,
      );
    }
    if (aging > 0 && policy === 'deadline') {
      throw new TypeError(
        "agingPriorityPerSecond needs a policy that uses priority ('priority' or 'priority-deadline')",
      );
    }
    this.policy = policy;
    this.#heap = new IndexedHeap(before);
    this.#agingPerMs = aging / 1000;
    this.#clock = aging > 0 ? (options.clock ?? { now: () => Date.now() }) : undefined;
    this.#origin = this.#clock?.now() ?? 0;
  }

  get size(): number {
    return this.#heap.size;
  }

  enqueue(run: RunFunction, options?: Partial<QueueAddOptions>): void {
    this.insert(run, options);
  }

  insert(run: RunFunction, options?: Partial<QueueAddOptions>): QueueEntry {
    const agingOffset =
      this.#clock === undefined ? 0 : (this.#clock.now() - this.#origin) * this.#agingPerMs;
    const entry = this.newEntry(run, options, this.#seq++, agingOffset);
    this.#heap.push(entry);
    this.#ids.added(entry);
    return entry;
  }

  dequeue(): RunFunction | undefined {
    return this.shift()?.run;
  }

  /** Builds the entry `insert` queues; a subclass may attach more to it. */
  protected newEntry(
    run: RunFunction,
    options: Partial<QueueAddOptions> | undefined,
    seq: number,
    agingOffset: number,
  ): QueueEntry {
    return createEntry(run, options, seq, agingOffset);
  }

  shift(): QueueEntry | undefined {
    const entry = this.#heap.pop();
    if (entry !== undefined) this.#ids.removed(entry);
    return entry;
  }

  peek(): QueueEntry | undefined {
    return this.#heap.peek();
  }

  get(id: string): QueueEntry | undefined {
    return this.#ids.get(id);
  }

  remove(id: string): void {
    const entry = this.#ids.get(id);
    if (entry !== undefined) this.removeEntry(entry);
  }

  removeEntry(entry: QueueEntry): boolean {
    if (!this.#heap.remove(entry)) return false;
    this.#ids.removed(entry);
    return true;
  }

  setPriority(id: string, priority: number): void {
    const entry = this.#ids.get(id);
    if (entry === undefined) throw new TaskNotFoundError(id, 'queue');
    this.updatePriority(entry, priority);
  }

  updatePriority(entry: QueueEntry, priority: number): void {
    assertFinitePriority(priority);
    entry.priority = priority;
    this.#rerank(entry);
  }

  setBoost(entry: QueueEntry, boost: Rank | undefined): void {
    entry.boost = boost;
    this.#rerank(entry);
  }

  compareRank(a: Rank, b: Rank): number {
    if (this.policy === 'deadline') return compareNumbers(a.rankDeadline, b.rankDeadline);
    const byPriority = compareNumbers(b.rankPriority, a.rankPriority);
    if (byPriority !== 0 || this.policy === 'priority') return byPriority;
    return compareNumbers(a.rankDeadline, b.rankDeadline);
  }

  filter(options: Readonly<Partial<QueueAddOptions>>): RunFunction[] {
    return this.#heap
      .values()
      .filter((entry) => entry.priority === options.priority)
      .sort((a, b) => a.seq - b.seq)
      .map((entry) => entry.run);
  }

  drain(): QueueEntry[] {
    this.#ids.clear();
    return this.#heap.drain().sort((a, b) => a.seq - b.seq);
  }

  #rerank(entry: QueueEntry): void {
    entry.rankPriority = entry.priority - entry.agingOffset;
    entry.rankDeadline = entry.deadline;
    const boost = entry.boost;
    if (boost !== undefined && this.compareRank(boost, entry) < 0) {
      entry.rankPriority = boost.rankPriority;
      entry.rankDeadline = boost.rankDeadline;
    }
    this.#heap.update(entry);
  }
}

/** Higher priority first; ties FIFO. Drop-in for p-queue's default queue, in O(log n). */
export class PriorityHeapQueue extends HeapQueue {
  constructor(options: Omit<HeapQueueOptions, 'policy'> = {}) {
    super({ ...options, policy: 'priority' });
  }
}

/** Earliest `deadline` first (tasks without one last); ties FIFO. */
export class DeadlineHeapQueue extends HeapQueue {
  constructor() {
    super({ policy: 'deadline' });
  }
}

/** Higher priority first, then the earlier `deadline`; ties FIFO. */
export class PriorityDeadlineHeapQueue extends HeapQueue {
  constructor(options: Omit<HeapQueueOptions, 'policy'> = {}) {
    super({ ...options, policy: 'priority-deadline' });
  }
}

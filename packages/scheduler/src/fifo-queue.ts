import { TaskNotFoundError } from './errors.js';
import { IdIndex } from './id-index.js';
import {
  assertFinitePriority,
  createEntry,
  type QueueAddOptions,
  type QueueEntry,
  type Rank,
  type RunFunction,
} from './queue-entry.js';
import type { SchedulingQueue } from './scheduling-queue.js';

/** Past this many consumed slots (and over half the array) the array is compacted. */
const COMPACT_AFTER = 1024;

/**
 * First in, first out, whatever the priority: O(1) enqueue, dequeue and `remove(id)` (a removed
 * task leaves a hole that `dequeue` skips; ids are indexed on the first lookup). `setPriority` records the new priority (for
 * `sizeBy`) but does not reorder. A p-queue `queueClass` for 9.x and 10.x.
 */
export class FifoQueue implements SchedulingQueue {
  readonly policy = 'fifo' as const;
  #slots: (QueueEntry | undefined)[] = [];
  /** First live slot. */
  #head = 0;
  /**
   * Entries hold their absolute position (`heapIndex`); the array holds positions from
   * `#offset` on, so compaction shifts one number instead of renumbering every entry.
   */
  #offset = 0;
  #size = 0;
  #seq = 0;
  readonly #ids = new IdIndex(() => this.#live());

  get size(): number {
    return this.#size;
  }

  enqueue(run: RunFunction, options?: Partial<QueueAddOptions>): void {
    this.insert(run, options);
  }

  insert(run: RunFunction, options?: Partial<QueueAddOptions>): QueueEntry {
    const entry = this.newEntry(run, options, this.#seq++, 0);
    entry.heapIndex = this.#offset + this.#slots.length;
    this.#slots.push(entry);
    this.#size++;
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
    const entry = this.peek();
    if (entry === undefined) return undefined;
    this.#slots[this.#head++] = undefined;
    this.#forget(entry);
    return entry;
  }

  peek(): QueueEntry | undefined {
    const slots = this.#slots;
    while (this.#head < slots.length && slots[this.#head] === undefined) this.#head++;
    return slots[this.#head];
  }

  get(id: string): QueueEntry | undefined {
    return this.#ids.get(id);
  }

  remove(id: string): void {
    const entry = this.#ids.get(id);
    if (entry !== undefined) this.removeEntry(entry);
  }

  removeEntry(entry: QueueEntry): boolean {
    const index = entry.heapIndex - this.#offset;
    if (index < this.#head || this.#slots[index] !== entry) return false;
    this.#slots[index] = undefined;
    this.#forget(entry);
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
    entry.rankPriority = priority;
  }

  setBoost(entry: QueueEntry, boost: Rank | undefined): void {
    // Recorded so that a boost can pass on to other queues' logic; FIFO order never changes.
    entry.boost = boost;
  }

  compareRank(): number {
    return 0;
  }

  filter(options: Readonly<Partial<QueueAddOptions>>): RunFunction[] {
    return this.#live()
      .filter((entry) => entry.priority === options.priority)
      .map((entry) => entry.run);
  }

  drain(): QueueEntry[] {
    const entries = this.#live();
    for (const entry of entries) entry.heapIndex = -1;
    this.#offset += this.#slots.length;
    this.#slots = [];
    this.#head = 0;
    this.#size = 0;
    this.#ids.clear();
    return entries;
  }

  #live(): QueueEntry[] {
    const entries: QueueEntry[] = [];
    for (let i = this.#head; i < this.#slots.length; i++) {
      const entry = this.#slots[i];
      if (entry !== undefined) entries.push(entry);
    }
    return entries;
  }

  #forget(entry: QueueEntry): void {
    entry.heapIndex = -1;
    this.#ids.removed(entry);
    this.#size--;
    if (this.#size === 0) {
      this.#offset += this.#slots.length;
      this.#slots.length = 0;
      this.#head = 0;
    } else if (this.#head > COMPACT_AFTER && this.#head > this.#slots.length / 2) {
      this.#slots = this.#slots.slice(this.#head);
      this.#offset += this.#head;
      this.#head = 0;
    }
  }
}

import type { Clock, TimerHandle } from './clock.js';
import { type HeapNode, IndexedHeap } from './indexed-heap.js';

export interface Watched extends HeapNode {
  readonly deadline: number;
}

/**
 * Expires waiting tasks the moment their deadline passes, with one timer for the earliest
 * deadline (not one per task): O(log n) to watch or unwatch a task.
 *
 * The timer settles promises that callers await (`onDeadlineMiss: 'reject' | 'drop'`), so it is
 * left ref'd, as the clock made it: a script awaiting a task that can only end by its deadline
 * (say, on a paused scheduler) is not cut short. It exists only while a watched task waits; the
 * last one to leave (started, expired, cancelled, cleared) clears it, and so does `close()`.
 */
export class DeadlineWatch<T extends Watched> {
  readonly #heap = new IndexedHeap<T>((a, b) => a.deadline < b.deadline);
  readonly #clock: Clock;
  readonly #onExpired: (task: T, now: number) => void;
  #timer: TimerHandle | undefined;
  #timerDeadline = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, onExpired: (task: T, now: number) => void) {
    this.#clock = clock;
    this.#onExpired = onExpired;
  }

  get size(): number {
    return this.#heap.size;
  }

  watch(task: T): void {
    this.#heap.push(task);
    if (task.deadline < this.#timerDeadline) this.#arm();
  }

  unwatch(task: T): void {
    this.#heap.remove(task);
    // A timer left for a task that started is harmless: it finds nothing due and re-arms.
    if (this.#heap.size === 0) this.#disarm();
  }

  close(): void {
    this.#disarm();
    this.#heap.drain();
  }

  #arm(): void {
    this.#disarm();
    const next = this.#heap.peek();
    if (next === undefined) return;
    this.#timerDeadline = next.deadline;
    // A task misses its deadline once the clock is past it, hence the extra millisecond.
    const delayMs = Math.max(0, next.deadline - this.#clock.now() + 1);
    this.#timer = this.#clock.setTimeout(() => this.#fire(), delayMs);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDeadline = Number.POSITIVE_INFINITY;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDeadline = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    for (let next = this.#heap.peek(); next !== undefined && next.deadline < now; ) {
      this.#heap.pop();
      this.#onExpired(next, now);
      next = this.#heap.peek();
    }
    this.#arm();
  }
}

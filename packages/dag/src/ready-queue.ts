/**
 * The ready set: a binary max-heap of step indices, highest `priority` first and, among equals,
 * the lowest index (declaration order). O(log n) push and pop.
 */
export class ReadyQueue {
  readonly #heap: number[] = [];
  readonly #priority: readonly number[];

  constructor(priority: readonly number[]) {
    this.#priority = priority;
  }

  get size(): number {
    return this.#heap.length;
  }

  push(step: number): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(step);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(step, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = step;
  }

  /** Removes and returns the first step; -1 when empty. */
  pop(): number {
    const heap = this.#heap;
    if (heap.length === 0) return -1;
    const top = heap[0]!;
    const last = heap.pop()!;
    const size = heap.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size && this.#before(heap[right]!, heap[left]!) ? right : left;
        if (!this.#before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }

  /** Empties the queue and returns what it held, in no particular order. */
  drain(): number[] {
    return this.#heap.splice(0);
  }

  #before(a: number, b: number): boolean {
    const pa = this.#priority[a]!;
    const pb = this.#priority[b]!;
    return pa > pb || (pa === pb && a < b);
  }
}

/** An element of an {@link IndexedHeap}: it remembers its slot so it can be moved or removed. */
export interface HeapNode {
  /** Position in the heap's array, or -1 while the node is not in a heap. */
  heapIndex: number;
}

/**
 * A binary heap whose nodes know their index, so that `remove` and `update` of a known node are
 * O(log n) instead of a linear search. `before(a, b)` is true when `a` must come out first.
 */
export class IndexedHeap<T extends HeapNode> {
  readonly #nodes: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  get size(): number {
    return this.#nodes.length;
  }

  peek(): T | undefined {
    return this.#nodes[0];
  }

  push(node: T): void {
    node.heapIndex = this.#nodes.length;
    this.#nodes.push(node);
    this.#up(node.heapIndex);
  }

  pop(): T | undefined {
    const nodes = this.#nodes;
    const top = nodes[0];
    if (top === undefined) return undefined;
    const last = nodes.pop()!;
    if (last !== top) {
      nodes[0] = last;
      last.heapIndex = 0;
      this.#down(0);
    }
    top.heapIndex = -1;
    return top;
  }

  /** Removes `node` if it is in this heap; returns whether it was. */
  remove(node: T): boolean {
    const nodes = this.#nodes;
    const index = node.heapIndex;
    if (index < 0 || nodes[index] !== node) return false;
    const last = nodes.pop()!;
    if (last !== node) {
      nodes[index] = last;
      last.heapIndex = index;
      this.update(last);
    }
    node.heapIndex = -1;
    return true;
  }

  /** Restores the order after `node`'s key changed in either direction. */
  update(node: T): void {
    const index = node.heapIndex;
    if (index < 0 || this.#nodes[index] !== node) return;
    if (!this.#up(index)) this.#down(index);
  }

  /** Empties the heap and returns its nodes in no particular order. */
  drain(): T[] {
    const nodes = this.#nodes.splice(0);
    for (const node of nodes) node.heapIndex = -1;
    return nodes;
  }

  values(): readonly T[] {
    return this.#nodes;
  }

  #up(index: number): boolean {
    const nodes = this.#nodes;
    const node = nodes[index]!;
    const start = index;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = nodes[parentIndex]!;
      if (!this.#before(node, parent)) break;
      nodes[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    nodes[index] = node;
    node.heapIndex = index;
    return index !== start;
  }

  #down(index: number): void {
    const nodes = this.#nodes;
    const length = nodes.length;
    const node = nodes[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.#before(nodes[right]!, nodes[left]!)) child = right;
      const candidate = nodes[child]!;
      if (!this.#before(candidate, node)) break;
      nodes[index] = candidate;
      candidate.heapIndex = index;
      index = child;
    }
    nodes[index] = node;
    node.heapIndex = index;
  }
}

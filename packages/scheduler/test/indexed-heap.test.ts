import { describe, expect, it } from 'vitest';
import { IndexedHeap } from '../src/indexed-heap.js';

interface Item {
  key: number;
  heapIndex: number;
}

const item = (key: number): Item => ({ key, heapIndex: -1 });
const minHeap = () => new IndexedHeap<Item>((a, b) => a.key < b.key);

function popAll(heap: IndexedHeap<Item>): number[] {
  const keys: number[] = [];
  for (let next = heap.pop(); next !== undefined; next = heap.pop()) keys.push(next.key);
  return keys;
}

describe('IndexedHeap', () => {
  it('pops nodes in order', () => {
    const heap = minHeap();
    for (const key of [5, 1, 4, 1, 9, 2, 6]) heap.push(item(key));

    expect(popAll(heap)).toEqual([1, 1, 2, 4, 5, 6, 9]);
  });

  it('removes a node from the middle and keeps the order', () => {
    const heap = minHeap();
    const nodes = [7, 3, 8, 1, 5, 2].map(item);
    for (const node of nodes) heap.push(node);

    expect(heap.remove(nodes[1]!)).toBe(true);

    expect(nodes[1]!.heapIndex).toBe(-1);
    expect(popAll(heap)).toEqual([1, 2, 5, 7, 8]);
  });

  it('does not remove a node that is not in the heap', () => {
    const heap = minHeap();
    heap.push(item(1));

    expect(heap.remove(item(1))).toBe(false);
    expect(heap.size).toBe(1);
  });

  it('moves a node after its key changes in either direction', () => {
    const heap = minHeap();
    const nodes = [10, 20, 30, 40].map(item);
    for (const node of nodes) heap.push(node);

    nodes[3]!.key = 0;
    heap.update(nodes[3]!);
    nodes[0]!.key = 35;
    heap.update(nodes[0]!);

    expect(popAll(heap)).toEqual([0, 20, 30, 35]);
  });
});

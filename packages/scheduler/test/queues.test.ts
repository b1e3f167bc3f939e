import { describe, expect, it } from 'vitest';
import {
  createQueueClass,
  DeadlineHeapQueue,
  FifoQueue,
  HeapQueue,
  PriorityDeadlineHeapQueue,
  PriorityHeapQueue,
  type RunFunction,
  SchedulerError,
  type SchedulingQueue,
  TaskNotFoundError,
} from '../src/index.js';
import { ManualClock } from './helpers.js';

/** A run function that names itself, so dequeue order can be read back. */
function named(id: string): RunFunction {
  const run = async () => id;
  Object.defineProperty(run, 'name', { value: id });
  return run;
}

function order(queue: SchedulingQueue): string[] {
  const ids: string[] = [];
  for (let run = queue.dequeue(); run !== undefined; run = queue.dequeue()) ids.push(run.name);
  return ids;
}

describe('PriorityHeapQueue', () => {
  it('dequeues higher priority first and equal priorities in arrival order', () => {
    const queue = new PriorityHeapQueue();
    queue.enqueue(named('a'), { id: 'a', priority: 0 });
    queue.enqueue(named('b'), { id: 'b', priority: 5 });
    queue.enqueue(named('c'), { id: 'c', priority: 0 });
    queue.enqueue(named('d'), { id: 'd', priority: 5 });
    queue.enqueue(named('e'), { id: 'e', priority: -1 });

    expect(order(queue)).toEqual(['b', 'd', 'a', 'c', 'e']);
  });

  it('takes a waiting task out by id and ignores unknown ids', () => {
    const queue = new PriorityHeapQueue();
    queue.enqueue(named('a'), { id: 'a', priority: 1 });
    queue.enqueue(named('b'), { id: 'b', priority: 2 });

    queue.remove('b');
    queue.remove('nope');

    expect(queue.size).toBe(1);
    expect(order(queue)).toEqual(['a']);
  });

  it('reorders a waiting task when its priority changes', () => {
    const queue = new PriorityHeapQueue();
    queue.enqueue(named('a'), { id: 'a', priority: 3 });
    queue.enqueue(named('b'), { id: 'b', priority: 2 });
    queue.enqueue(named('c'), { id: 'c', priority: 1 });

    queue.setPriority('c', 10);
    queue.setPriority('a', 0);

    expect(order(queue)).toEqual(['c', 'b', 'a']);
  });

  it('throws TaskNotFoundError for setPriority on an unknown id', () => {
    const queue = new PriorityHeapQueue();

    expect(() => queue.setPriority('ghost', 1)).toThrow(TaskNotFoundError);
    expect(() => queue.setPriority('ghost', 1)).toThrow(SchedulerError);
    expect(() => queue.setPriority('ghost', 1)).toThrow(/waiting in this queue.*started already/);
  });

  it('finds the most recently added of two waiting tasks that share an id', () => {
    const queue = new PriorityHeapQueue();
    queue.enqueue(named('first'), { id: 'same' });
    queue.enqueue(named('second'), { id: 'same' });

    queue.remove('same');

    expect(order(queue)).toEqual(['first']);
  });

  it('rejects NaN and infinite priorities and non-finite deadlines', () => {
    const queue = new PriorityDeadlineHeapQueue();

    expect(() => queue.enqueue(named('a'), { priority: Number.NaN })).toThrow(RangeError);
    expect(() => queue.enqueue(named('a'), { priority: Infinity })).toThrow(/finite/);
    expect(() => queue.enqueue(named('a'), { deadline: Infinity })).toThrow(/deadline/);
    expect(() => queue.setPriority('x', 1)).toThrow(TaskNotFoundError);
    expect(queue.size).toBe(0);
  });

  it('lists the waiting tasks of one priority for sizeBy', () => {
    const queue = new PriorityHeapQueue();
    queue.enqueue(named('a'), { id: 'a', priority: 1 });
    queue.enqueue(named('b'), { id: 'b', priority: 2 });
    queue.enqueue(named('c'), { id: 'c', priority: 1 });

    expect(queue.filter({ priority: 1 }).map((run) => run.name)).toEqual(['a', 'c']);
  });

  it('ages waiting tasks so an old low-priority task overtakes newer high-priority ones', () => {
    const clock = new ManualClock();
    const queue = new PriorityHeapQueue({ agingPriorityPerSecond: 1, clock });
    queue.enqueue(named('old'), { id: 'old', priority: 0 });
    clock.advance(5_000);
    queue.enqueue(named('newer'), { id: 'newer', priority: 4 });
    queue.enqueue(named('newest'), { id: 'newest', priority: 6 });

    expect(order(queue)).toEqual(['newest', 'old', 'newer']);
  });
});

describe('DeadlineHeapQueue', () => {
  it('dequeues the earliest deadline first and tasks without one last', () => {
    const queue = new DeadlineHeapQueue();
    queue.enqueue(named('none'), { id: 'none' });
    queue.enqueue(named('late'), { id: 'late', deadline: 300 });
    queue.enqueue(named('soon'), { id: 'soon', deadline: 100, priority: -5 });
    queue.enqueue(named('soon2'), { id: 'soon2', deadline: 100 });

    expect(order(queue)).toEqual(['soon', 'soon2', 'late', 'none']);
  });
});

describe('PriorityDeadlineHeapQueue', () => {
  it('orders by priority, then by the earlier deadline', () => {
    const queue = new PriorityDeadlineHeapQueue();
    queue.enqueue(named('low-soon'), { id: 'low-soon', priority: 0, deadline: 10 });
    queue.enqueue(named('high-late'), { id: 'high-late', priority: 1, deadline: 500 });
    queue.enqueue(named('high-soon'), { id: 'high-soon', priority: 1, deadline: 50 });
    queue.enqueue(named('high-none'), { id: 'high-none', priority: 1 });

    expect(order(queue)).toEqual(['high-soon', 'high-late', 'high-none', 'low-soon']);
  });
});

describe('FifoQueue', () => {
  it('dequeues in arrival order whatever the priority', () => {
    const queue = new FifoQueue();
    queue.enqueue(named('a'), { id: 'a', priority: 0 });
    queue.enqueue(named('b'), { id: 'b', priority: 9 });
    queue.enqueue(named('c'), { id: 'c', priority: 5 });
    queue.setPriority('c', 100);

    expect(order(queue)).toEqual(['a', 'b', 'c']);
  });

  it('skips removed tasks and keeps its size right', () => {
    const queue = new FifoQueue();
    for (const id of ['a', 'b', 'c', 'd']) queue.enqueue(named(id), { id });

    queue.remove('a');
    queue.remove('c');

    expect(queue.size).toBe(2);
    expect(queue.peek()?.id).toBe('b');
    expect(order(queue)).toEqual(['b', 'd']);
  });

  it('keeps order across compaction of a long-running queue', () => {
    const queue = new FifoQueue();
    const model: string[] = [];
    const dequeued: string[] = [];
    const expectedDequeued: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      queue.enqueue(named(`t${i}`), { id: `t${i}` });
      model.push(`t${i}`);
      if (i % 3 === 0) {
        dequeued.push(queue.dequeue()!.name);
        expectedDequeued.push(model.shift()!);
      } else if (i % 3 === 1) {
        queue.remove(`t${i}`);
        model.pop();
      }
    }

    expect(dequeued).toEqual(expectedDequeued);
    expect(queue.size).toBe(model.length);
    expect(order(queue)).toEqual(model);
  });
});

describe('HeapQueue options', () => {
  it('rejects an unknown policy, negative aging and aging under the deadline policy', () => {
    expect(() => new HeapQueue({ policy: 'fifo' as 'priority' })).toThrow(TypeError);
    expect(() => new PriorityHeapQueue({ agingPriorityPerSecond: -1 })).toThrow(RangeError);
    expect(() => new HeapQueue({ policy: 'deadline', agingPriorityPerSecond: 1 })).toThrow(
      /agingPriorityPerSecond/,
    );
  });

  it('createQueueClass builds a zero-argument class with the given policy', () => {
    const Queue = createQueueClass({ policy: 'deadline' });
    const queue = new Queue();
    queue.enqueue(named('b'), { id: 'b', deadline: 2 });
    queue.enqueue(named('a'), { id: 'a', deadline: 1 });

    expect(queue.policy).toBe('deadline');
    expect(order(queue)).toEqual(['a', 'b']);
  });

  it('createQueueClass refuses aging for the fifo policy', () => {
    expect(() => createQueueClass({ policy: 'fifo', agingPriorityPerSecond: 1 })).toThrow(
      TypeError,
    );
  });
});

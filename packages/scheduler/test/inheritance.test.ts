import { describe, expect, it } from 'vitest';
import { InheritanceCycleError, Scheduler, TaskNotFoundError } from '../src/index.js';
import { flush, gate, ManualClock } from './helpers.js';

/** A concurrency-1 scheduler whose single slot is held by `holder` until released. */
function heldScheduler(policy: 'priority' | 'deadline' = 'priority') {
  const scheduler = new Scheduler({ policy, clock: new ManualClock(0) });
  const holder = gate();
  void scheduler.add(() => holder.promise, { id: 'holder', priority: 100 });
  const started: string[] = [];
  const add = (id: string, options: { priority?: number; deadline?: number } = {}) =>
    scheduler.add(async () => started.push(id), { id, ...options });
  return { scheduler, holder, started, add };
}

describe('inheritPriority', () => {
  it('lets a low-priority task that blocks a high one start before medium ones', async () => {
    const { scheduler, holder, started, add } = heldScheduler();
    add('low', { priority: 0 });
    add('medium', { priority: 5 });
    add('high', { priority: 9 });

    scheduler.inheritPriority('low', 'high');
    expect(scheduler.peek()).toMatchObject({ id: 'low', priority: 0, effectivePriority: 9 });
    holder.open();
    await scheduler.onIdle();

    // Equal rank, so arrival order decides, and `low` came first.
    expect(started).toEqual(['low', 'high', 'medium']);
  });

  it('passes a boost on transitively along a chain of waits', async () => {
    const { scheduler, holder, started, add } = heldScheduler();
    add('bottom', { priority: 0 });
    add('middle', { priority: 1 });
    add('other', { priority: 5 });
    add('top', { priority: 9 });

    scheduler.inheritPriority('bottom', 'middle');
    scheduler.inheritPriority('middle', 'top');
    expect(scheduler.peek()).toMatchObject({ id: 'bottom', effectivePriority: 9 });
    holder.open();
    await scheduler.onIdle();

    expect(started).toEqual(['bottom', 'middle', 'top', 'other']);
  });

  it('keeps a boost from a running task until that task finishes', async () => {
    const { scheduler, holder, started, add } = heldScheduler();
    add('low', { priority: 0 });
    add('medium', { priority: 5 });
    scheduler.inheritPriority('low', 'holder');
    expect(scheduler.peek()).toMatchObject({ id: 'low', effectivePriority: 100 });

    scheduler.pause();
    holder.open();
    await flush();

    expect(scheduler.peek()).toMatchObject({ id: 'medium', priority: 5 });
    scheduler.start();
    await scheduler.onIdle();
    expect(started).toEqual(['medium', 'low']);
  });

  it('follows a later setPriority of the task it inherits from', async () => {
    const { scheduler, holder, started, add } = heldScheduler();
    add('low', { priority: 0 });
    add('medium', { priority: 5 });
    add('waiter', { priority: 1 });
    scheduler.inheritPriority('low', 'waiter');

    scheduler.setPriority('waiter', 7);
    holder.open();
    await scheduler.onIdle();

    expect(started).toEqual(['low', 'waiter', 'medium']);
  });

  it('inherits the earlier deadline under the deadline policy', async () => {
    const { scheduler, holder, started, add } = heldScheduler('deadline');
    add('slow', { deadline: 900 });
    add('mid', { deadline: 500 });
    add('urgent', { deadline: 100 });

    scheduler.inheritPriority('slow', 'urgent');
    holder.open();
    await scheduler.onIdle();

    expect(started).toEqual(['slow', 'urgent', 'mid']);
  });

  it('throws InheritanceCycleError for tasks that would wait on each other', () => {
    const { scheduler, add } = heldScheduler();
    add('a');
    add('b');
    add('c');
    scheduler.inheritPriority('a', 'b');
    scheduler.inheritPriority('b', 'c');

    let error: unknown;
    try {
      scheduler.inheritPriority('c', 'a');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(InheritanceCycleError);
    expect((error as InheritanceCycleError).cycle).toEqual(['a', 'c', 'b', 'a']);
    expect(() => scheduler.inheritPriority('a', 'a')).toThrow(InheritanceCycleError);
  });

  it('throws TaskNotFoundError for an unknown id on either side', () => {
    const { scheduler, add } = heldScheduler();
    add('a');

    expect(() => scheduler.inheritPriority('a', 'ghost')).toThrow(TaskNotFoundError);
    expect(() => scheduler.inheritPriority('ghost', 'a')).toThrow(TaskNotFoundError);
  });
});

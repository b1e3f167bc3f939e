import { describe, expect, it } from 'vitest';
import {
  DuplicateTaskIdError,
  Scheduler,
  SchedulerClosedError,
  TaskNotFoundError,
  TaskTimeoutError,
} from '../src/index.js';
import { flush, gate, ManualClock } from './helpers.js';

/** Adds tasks to a paused scheduler that record their start, then runs them all. */
async function startOrder(
  scheduler: Scheduler,
  tasks: { id: string; priority?: number; deadline?: number }[],
): Promise<string[]> {
  const started: string[] = [];
  scheduler.pause();
  for (const task of tasks) void scheduler.add(async () => started.push(task.id), task);
  scheduler.start();
  await scheduler.onIdle();
  return started;
}

describe('Scheduler', () => {
  it('resolves with the task result', async () => {
    const scheduler = new Scheduler();

    await expect(scheduler.add(async () => 42)).resolves.toBe(42);
  });

  it('rejects with the task error and counts it as failed', async () => {
    const scheduler = new Scheduler();
    const boom = new Error('boom');

    await expect(
      scheduler.add(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(scheduler.stats()).toMatchObject({ failed: 1, completed: 0, running: 0 });
  });

  it('counts outcomes of tasks with and without options alike', async () => {
    const scheduler = new Scheduler();
    const boom = new Error('async boom');

    await expect(scheduler.add(async () => Promise.reject(boom))).rejects.toBe(boom);
    await expect(scheduler.add(async () => Promise.reject(boom), { id: 'named' })).rejects.toBe(
      boom,
    );
    await scheduler.add(async () => 'ok');
    await scheduler.add(() => 'sync ok', { priority: 2 });

    expect(scheduler.stats()).toMatchObject({ completed: 2, failed: 2, running: 0 });
  });

  it('runs at most `concurrency` tasks at once', async () => {
    const scheduler = new Scheduler({ concurrency: 2 });
    const gates = [gate(), gate(), gate()];
    let running = 0;
    let most = 0;
    const all = gates.map((g) =>
      scheduler.add(async () => {
        running++;
        most = Math.max(most, running);
        await g.promise;
        running--;
      }),
    );
    await flush();

    expect(scheduler.pending).toBe(2);
    expect(scheduler.size).toBe(1);
    for (const g of gates) g.open();
    await Promise.all(all);
    expect(most).toBe(2);
  });

  it('starts higher priority first and equal priorities in arrival order', async () => {
    const scheduler = new Scheduler({ policy: 'priority' });

    const order = await startOrder(scheduler, [
      { id: 'a', priority: 1 },
      { id: 'b', priority: 3 },
      { id: 'c', priority: 1 },
      { id: 'd', priority: 3 },
    ]);

    expect(order).toEqual(['b', 'd', 'a', 'c']);
  });

  it('ignores priority under the fifo policy', async () => {
    const scheduler = new Scheduler({ policy: 'fifo' });

    const order = await startOrder(scheduler, [
      { id: 'a', priority: 1 },
      { id: 'b', priority: 3 },
      { id: 'c' },
    ]);

    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('starts the earliest deadline first under the deadline policy', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ policy: 'deadline', clock });

    const order = await startOrder(scheduler, [
      { id: 'none' },
      { id: 'late', deadline: 500 },
      { id: 'soon', deadline: 100, priority: -1 },
    ]);

    expect(order).toEqual(['soon', 'late', 'none']);
  });

  it('breaks priority ties by deadline under priority-deadline', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ policy: 'priority-deadline', clock });

    const order = await startOrder(scheduler, [
      { id: 'low', priority: 0, deadline: 1 },
      { id: 'late', priority: 1, deadline: 900 },
      { id: 'soon', priority: 1, deadline: 90 },
    ]);

    expect(order).toEqual(['soon', 'late', 'low']);
  });

  it('lets a long-waiting task overtake newer higher-priority ones with aging', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock, aging: { priorityPerSecond: 1 }, autoStart: false });
    const started: string[] = [];
    void scheduler.add(async () => started.push('old'), { id: 'old', priority: 0 });
    clock.advance(3_000);
    void scheduler.add(async () => started.push('newer'), { id: 'newer', priority: 2 });
    void scheduler.add(async () => started.push('much-higher'), { id: 'much-higher', priority: 4 });

    scheduler.start();
    await scheduler.onIdle();

    expect(started).toEqual(['much-higher', 'old', 'newer']);
  });

  it('reorders a waiting task with setPriority', async () => {
    const scheduler = new Scheduler({ autoStart: false });
    const started: string[] = [];
    for (const id of ['a', 'b', 'c']) void scheduler.add(async () => started.push(id), { id });

    scheduler.setPriority('c', 5);
    expect(scheduler.peek()).toEqual({
      id: 'c',
      priority: 5,
      effectivePriority: 5,
      deadline: undefined,
    });
    scheduler.start();
    await scheduler.onIdle();

    expect(started).toEqual(['c', 'a', 'b']);
  });

  it('throws TaskNotFoundError for setPriority on an unknown or finished id', async () => {
    const scheduler = new Scheduler();
    await scheduler.add(async () => 1, { id: 'done' });

    expect(() => scheduler.setPriority('done', 1)).toThrow(TaskNotFoundError);
    expect(() => scheduler.setPriority('never', 1)).toThrow(/no waiting or running task/i);
  });

  it('throws RangeError for setPriority with NaN or an infinite priority', () => {
    const scheduler = new Scheduler({ autoStart: false });
    void scheduler.add(async () => 1, { id: 'a' });

    expect(() => scheduler.setPriority('a', Number.NaN)).toThrow(RangeError);
    expect(() => scheduler.setPriority('a', -Infinity)).toThrow(/finite/);
  });

  it('holds tasks while paused and runs them after start', async () => {
    const scheduler = new Scheduler();
    scheduler.pause();
    let ran = false;
    const done = scheduler.add(async () => {
      ran = true;
    });
    await flush();

    expect(ran).toBe(false);
    expect(scheduler.isPaused).toBe(true);
    scheduler.start();
    await done;
    expect(ran).toBe(true);
  });

  it('rejects a waiting task with AbortError the moment its signal aborts, and never runs it', async () => {
    const scheduler = new Scheduler();
    const blocker = gate();
    const first = scheduler.add(() => blocker.promise);
    const controller = new AbortController();
    let ran = false;
    const waiting = scheduler.add(
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );

    controller.abort();

    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(scheduler.size).toBe(0);
    blocker.open();
    await first;
    expect(ran).toBe(false);
    expect(scheduler.stats()).toMatchObject({ cancelled: 1, completed: 1 });
  });

  it('hands the signal to a running task', async () => {
    const scheduler = new Scheduler();
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const running = scheduler.add(
      ({ signal }) =>
        new Promise((_resolve, reject) => {
          seen = signal;
          signal?.addEventListener('abort', () => reject(signal.reason));
        }),
      { signal: controller.signal },
    );
    await flush();

    controller.abort();

    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen?.aborted).toBe(true);
    expect(scheduler.stats().cancelled).toBe(1);
  });

  it('rejects a task that outlives its timeout and aborts its signal', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock });
    let signal: AbortSignal | undefined;
    const slow = scheduler.add(
      (context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
      { id: 'slow', timeout: 1_000 },
    );
    await flush();

    clock.advance(999);
    await flush();
    expect(signal?.aborted).toBe(false);
    clock.advance(1);

    await expect(slow).rejects.toBeInstanceOf(TaskTimeoutError);
    await expect(slow).rejects.toMatchObject({
      code: 'ERR_SCHEDULER_TASK_TIMEOUT',
      timeoutMs: 1_000,
    });
    expect(signal?.reason).toBeInstanceOf(TaskTimeoutError);
    expect(scheduler.stats()).toMatchObject({ timedOut: 1, failed: 1, running: 0 });
  });

  it('clears the timeout timer of a task that finishes in time', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock });

    await scheduler.add(async () => 'ok', { timeout: 5_000 });

    expect(clock.pendingTimers).toBe(0);
  });

  it('clear() rejects every waiting task with AbortError and leaves running ones alone', async () => {
    const scheduler = new Scheduler();
    const blocker = gate<string>();
    const running = scheduler.add(() => blocker.promise);
    const ran: string[] = [];
    const waiting = ['a', 'b'].map((id) => scheduler.add(async () => ran.push(id), { id }));
    await flush();

    scheduler.clear();

    for (const task of waiting) await expect(task).rejects.toMatchObject({ name: 'AbortError' });
    expect(scheduler.size).toBe(0);
    blocker.open('still here');
    await expect(running).resolves.toBe('still here');
    expect(ran).toEqual([]);
    expect(scheduler.stats()).toMatchObject({ cancelled: 2, completed: 1 });
  });

  it('clear() leaves no unhandled rejection behind for tasks nobody awaits', async () => {
    const scheduler = new Scheduler({ autoStart: false });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    void scheduler.add(async () => 1);
    void scheduler.add(async () => 2, { id: 'ignored' });

    scheduler.clear();
    await flush();
    await flush();

    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    expect(scheduler.stats().cancelled).toBe(2);
  });

  it('lets an id be reused once its task finished, but not while it waits or runs', async () => {
    const scheduler = new Scheduler({ autoStart: false });
    const first = scheduler.add(async () => 1, { id: 'x' });

    expect(() => scheduler.add(async () => 2, { id: 'x' })).toThrow(DuplicateTaskIdError);
    scheduler.start();
    await first;
    await expect(scheduler.add(async () => 3, { id: 'x' })).resolves.toBe(3);
  });

  it('leaves a task added without an id anonymous', () => {
    const scheduler = new Scheduler({ autoStart: false });
    void scheduler.add(async () => 1, { priority: 1 });
    void scheduler.add(async () => 1, { id: 'named' });

    expect(scheduler.peek()).toMatchObject({ id: undefined, priority: 1 });
    expect(scheduler.size).toBe(2);
  });

  it('removes an aborted task without an id from the queue at once', async () => {
    const scheduler = new Scheduler({ autoStart: false });
    const controller = new AbortController();
    const anonymous = scheduler.add(async () => 1, { signal: controller.signal });
    void scheduler.add(async () => 2, { id: 'kept' });

    controller.abort();

    await expect(anonymous).rejects.toMatchObject({ name: 'AbortError' });
    expect(scheduler.size).toBe(1);
    expect(scheduler.peek()?.id).toBe('kept');
  });

  it('close() refuses new tasks and resolves once running work is done, every time it is called', async () => {
    const scheduler = new Scheduler();
    const blocker = gate();
    const running = scheduler.add(() => blocker.promise);
    let closed = false;

    const closing = scheduler.close();
    void closing.then(() => {
      closed = true;
    });

    expect(() => scheduler.add(async () => 1)).toThrow(SchedulerClosedError);
    expect(scheduler.close()).toBe(closing);
    await flush();
    expect(closed).toBe(false);
    blocker.open();
    await running;
    await closing;
    expect(closed).toBe(true);
  });

  it('reports waiting-time percentiles from the clock', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock });
    const blocker = gate();
    const first = scheduler.add(() => blocker.promise);
    const second = scheduler.add(async () => 2);
    await flush();

    clock.advance(40);
    blocker.open();
    await Promise.all([first, second]);

    expect(scheduler.stats()).toEqual({
      queued: 0,
      running: 0,
      completed: 2,
      failed: 0,
      timedOut: 0,
      cancelled: 0,
      expired: 0,
      deadlineMisses: 0,
      waitP50Ms: 0,
      waitP95Ms: 40,
    });
  });
});

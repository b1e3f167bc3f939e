import { describe, expect, expectTypeOf, it } from 'vitest';
import { DeadlineExceededError, Scheduler } from '../src/index.js';
import { flush, gate, ManualClock } from './helpers.js';

/** A scheduler with one slot taken by a task the test releases. */
function busyScheduler<M extends 'run' | 'reject' | 'drop'>(onDeadlineMiss: M) {
  const clock = new ManualClock(0);
  const scheduler = new Scheduler({ clock, onDeadlineMiss, policy: 'deadline' });
  const blocker = gate();
  const blocking = scheduler.add(() => blocker.promise);
  return { clock, scheduler, blocker, blocking };
}

describe('deadlines', () => {
  it("runs a late task anyway under 'run' and counts the miss", async () => {
    const { clock, scheduler, blocker, blocking } = busyScheduler('run');
    const late = scheduler.add(async () => 'late result', { deadline: 100 });

    clock.advance(150);
    blocker.open();
    await blocking;

    await expect(late).resolves.toBe('late result');
    expect(scheduler.stats()).toMatchObject({ deadlineMisses: 1, expired: 0, completed: 2 });
  });

  it('does not count a task that starts on its deadline as a miss', async () => {
    const { clock, scheduler, blocker, blocking } = busyScheduler('run');
    const onTime = scheduler.add(async () => 'ok', { deadline: 100 });

    clock.advance(100);
    blocker.open();
    await Promise.all([blocking, onTime]);

    expect(scheduler.stats().deadlineMisses).toBe(0);
  });

  it("rejects a waiting task with DeadlineExceededError as soon as its deadline passes under 'reject'", async () => {
    const { clock, scheduler, blocker } = busyScheduler('reject');
    let ran = false;
    const doomed = scheduler.add(
      async () => {
        ran = true;
      },
      { id: 'doomed', deadline: 100 },
    );
    const outcome = doomed.catch((error: unknown) => error);

    clock.advance(101);
    await flush();

    const error = await outcome;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({
      code: 'ERR_SCHEDULER_DEADLINE_EXCEEDED',
      taskId: 'doomed',
      deadline: 100,
    });
    expect(scheduler.size).toBe(0);
    blocker.open();
    await scheduler.onIdle();
    expect(ran).toBe(false);
    expect(scheduler.stats()).toMatchObject({ deadlineMisses: 1, expired: 1 });
  });

  it("resolves a dropped task with undefined and never runs it under 'drop'", async () => {
    const { clock, scheduler, blocker } = busyScheduler('drop');
    let ran = false;
    const dropped = scheduler.add(
      async () => {
        ran = true;
        return 'value';
      },
      { deadline: 50 },
    );

    clock.advance(51);

    await expect(dropped).resolves.toBeUndefined();
    blocker.open();
    await scheduler.onIdle();
    expect(ran).toBe(false);
    expect(scheduler.stats()).toMatchObject({ deadlineMisses: 1, expired: 1 });
  });

  it('expires tasks in deadline order while others keep their place', async () => {
    const { clock, scheduler, blocker } = busyScheduler('reject');
    const settled: string[] = [];
    for (const [id, deadline] of [
      ['c', 300],
      ['a', 100],
      ['keep', 10_000],
      ['b', 200],
    ] as const) {
      scheduler
        .add(async () => settled.push(`ran ${id}`), { id, deadline })
        .catch(() => {
          settled.push(`expired ${id}`);
        });
    }

    clock.advance(250);
    await flush();
    expect(settled).toEqual(['expired a', 'expired b']);
    blocker.open();
    await scheduler.onIdle();

    expect(settled).toEqual(['expired a', 'expired b', 'ran c', 'ran keep']);
  });

  it('settles a task whose deadline already passed at add() by onDeadlineMiss', async () => {
    const clock = new ManualClock(1_000);
    const rejecting = new Scheduler({ clock, onDeadlineMiss: 'reject' });
    const dropping = new Scheduler({ clock, onDeadlineMiss: 'drop' });
    const running = new Scheduler({ clock });

    await expect(rejecting.add(async () => 1, { deadline: 999 })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    await expect(dropping.add(async () => 1, { deadline: 999 })).resolves.toBeUndefined();
    await expect(running.add(async () => 1, { deadline: 999 })).resolves.toBe(1);
    expect(rejecting.stats().expired).toBe(1);
    expect(dropping.stats().expired).toBe(1);
    expect(running.stats().deadlineMisses).toBe(1);
  });

  it('leaves no timer behind once the watched tasks have started', async () => {
    const { clock, scheduler, blocker, blocking } = busyScheduler('reject');
    const task = scheduler.add(async () => 'ok', { deadline: 10_000 });
    expect(clock.pendingTimers).toBe(1);

    blocker.open();
    await Promise.all([blocking, task]);

    expect(clock.pendingTimers).toBe(0);
  });

  it("types add() as possibly undefined only under 'drop'", () => {
    const dropping = new Scheduler({ onDeadlineMiss: 'drop', autoStart: false });
    const rejecting = new Scheduler({ onDeadlineMiss: 'reject', autoStart: false });

    expectTypeOf(dropping.add(async () => 1)).toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf(rejecting.add(async () => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(new Scheduler().add(async () => 'x')).toEqualTypeOf<Promise<string>>();
  });
});

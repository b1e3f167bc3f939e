import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AddOptions, Scheduler, type Task } from '../src/index.js';
import { flush, gate, ManualClock } from './helpers.js';

/** A ManualClock that counts how often it is read. */
class CountingClock extends ManualClock {
  reads = 0;

  override now(): number {
    this.reads++;
    return super.now();
  }
}

describe('plain tasks (no id, deadline, signal or timeout)', () => {
  it('do not read the clock when they start straight away', async () => {
    const clock = new CountingClock();
    const scheduler = new Scheduler({ clock, concurrency: 4 });

    await Promise.all([1, 2, 3].map((n) => scheduler.add(async () => n, { priority: n })));

    expect(clock.reads).toBe(0);
    expect(scheduler.stats()).toMatchObject({ completed: 3, waitP50Ms: 0, waitP95Ms: 0 });
  });

  it('sample one waiting time in 16 while many tasks wait', async () => {
    const clock = new CountingClock();
    const scheduler = new Scheduler({ clock, autoStart: false });
    for (let i = 0; i < 64 + 16 * 10; i++) void scheduler.add(async () => i);

    scheduler.start();
    await scheduler.onIdle();

    // 64 reads at add() and 64 at the start while the queue was short, then 10 of each.
    expect(clock.reads).toBe(2 * (64 + 10));
  });

  it('weigh a sampled waiting time by the starts it stands for', async () => {
    const clock = new ManualClock(0);
    const scheduler = new Scheduler({ clock, autoStart: false });
    // 64 tasks sampled one by one wait 1,000 ms; 160 more (10 samples of weight 16) wait 0 ms.
    for (let i = 0; i < 64; i++) void scheduler.add(async () => i);
    clock.advance(1_000);
    for (let i = 0; i < 160; i++) void scheduler.add(async () => i);

    scheduler.start();
    await scheduler.onIdle();

    expect(scheduler.stats()).toMatchObject({ waitP50Ms: 0, waitP95Ms: 1_000 });
  });

  it('can add tasks from inside a task that starts within add()', async () => {
    const scheduler = new Scheduler({ concurrency: 1 });
    let inner: Promise<string> | undefined;

    const outer = scheduler.add(() => {
      inner = scheduler.add(async () => 'inner', { id: 'inner' });
      void scheduler.add(async () => 'plain inner');
      return 'outer';
    });
    const last = scheduler.add(async () => 'last');

    await expect(outer).resolves.toBe('outer');
    await expect(inner).resolves.toBe('inner');
    await expect(last).resolves.toBe('last');
    await scheduler.onIdle();
    expect(scheduler.stats()).toMatchObject({ completed: 4, failed: 0, running: 0 });
  });
});

describe("plain tasks in a 'fifo' scheduler (slim entries)", () => {
  it('keep arrival order with tasks that have a record, and peek() describes them', async () => {
    const scheduler = new Scheduler({ policy: 'fifo', autoStart: false });
    const order: string[] = [];
    const log = (name: string) => async () => {
      order.push(name);
    };
    void scheduler.add(log('plain 1'), { priority: 3 });
    void scheduler.add(log('named'), { id: 'named', priority: 9 });
    void scheduler.add(log('plain 2'));
    void scheduler.add(log('deadline'), { deadline: 1e15 });
    void scheduler.add(log('plain 3'), { priority: -1 });

    expect(scheduler.peek()).toEqual({
      id: undefined,
      priority: 3,
      effectivePriority: 3,
      deadline: undefined,
    });
    scheduler.setPriority('named', 20);
    expect(scheduler.size).toBe(5);

    scheduler.start();
    await scheduler.onIdle();
    expect(order).toEqual(['plain 1', 'named', 'plain 2', 'deadline', 'plain 3']);
    expect(scheduler.stats()).toMatchObject({ completed: 5, failed: 0, running: 0, queued: 0 });
  });

  it('inheritPriority between named tasks leaves the plain ones around them in place', async () => {
    const scheduler = new Scheduler({ policy: 'fifo', autoStart: false });
    const order: string[] = [];
    const log = (name: string) => async () => {
      order.push(name);
    };
    void scheduler.add(log('plain 1'));
    void scheduler.add(log('a'), { id: 'a' });
    void scheduler.add(log('plain 2'));
    void scheduler.add(log('b'), { id: 'b', priority: 5 });
    scheduler.inheritPriority('a', 'b');

    scheduler.start();
    await scheduler.onIdle();
    expect(order).toEqual(['plain 1', 'a', 'plain 2', 'b']);
  });

  it('are rejected by clear() with an AbortError and counted as cancelled', async () => {
    const scheduler = new Scheduler({ policy: 'fifo', concurrency: 1 });
    const blocker = gate();
    const running = scheduler.add(() => blocker.promise);
    const waiting = [1, 2, 3].map((n) => scheduler.add(async () => n));
    const named = scheduler.add(async () => 'named', { id: 'named' });
    expect(scheduler.peek()).toMatchObject({ id: undefined, priority: 0 });

    scheduler.clear();

    for (const promise of [...waiting, named]) {
      await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    }
    expect(scheduler.peek()).toBeUndefined();
    blocker.open();
    await running;
    await scheduler.onIdle();
    expect(scheduler.stats()).toMatchObject({ cancelled: 4, completed: 1, queued: 0 });
    // The scheduler keeps working after a clear, on both paths.
    await expect(scheduler.add(async () => 'after')).resolves.toBe('after');
    await expect(scheduler.add(async () => 'named after', { id: 'named' })).resolves.toBe(
      'named after',
    );
  });

  it('run in arrival order and are counted, for any mix with tasks that have a record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ named: fc.boolean(), priority: fc.integer({ min: -3, max: 3 }) }), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 4 }),
        async (specs, concurrency) => {
          const scheduler = new Scheduler({ policy: 'fifo', concurrency, autoStart: false });
          const order: number[] = [];
          const promises = specs.map(({ named, priority }, index) =>
            scheduler.add(
              async () => {
                order.push(index);
                return index;
              },
              named ? { id: `t${index}`, priority } : { priority },
            ),
          );
          scheduler.start();
          expect(await Promise.all(promises)).toEqual(specs.map((_, index) => index));
          expect(order).toEqual(specs.map((_, index) => index));
          expect(scheduler.stats()).toMatchObject({ completed: specs.length, running: 0 });
        },
      ),
    );
  });
});

describe('tasks with a signal', () => {
  it('reject with the reason the moment a running task is aborted, even if it ignores the signal', async () => {
    const scheduler = new Scheduler();
    const controller = new AbortController();
    const ignored = gate<string>();
    const running = scheduler.add(() => ignored.promise, { signal: controller.signal });
    await flush();

    controller.abort(new Error('stop'));

    await expect(running).rejects.toThrow('stop');
    expect(scheduler.stats()).toMatchObject({ cancelled: 1, failed: 0, running: 0 });
    expect(scheduler.pending).toBe(0);
    ignored.open('too late');
    await flush();
    expect(scheduler.stats()).toMatchObject({ cancelled: 1, completed: 0, running: 0 });
  });
});

type Outcome = 'resolve' | 'reject' | 'return' | 'throw' | 'abort' | 'timeout';

const taskArb = fc.record({
  outcome: fc.constantFrom<Outcome>('resolve', 'reject', 'return', 'throw', 'abort', 'timeout'),
  priority: fc.integer({ min: 0, max: 2 }),
  named: fc.boolean(),
});

describe('outcome counting on both paths', () => {
  it('counts every outcome once, whatever the mix of plain tasks and tasks with a record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(taskArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (specs, concurrency) => {
          const clock = new ManualClock(0);
          const scheduler = new Scheduler({ clock, concurrency });
          const boom = new Error('boom');
          const promises = specs.map(({ outcome, priority, named }, index) => {
            const options: AddOptions = { priority };
            if (named) options.id = `t${index}`;
            const controller = new AbortController();
            if (outcome === 'abort') options.signal = controller.signal;
            if (outcome === 'timeout') options.timeout = 10;
            const task: Task<number> = async () => {
              await Promise.resolve();
              if (outcome === 'abort') {
                controller.abort();
                return new Promise<number>(() => {});
              }
              if (outcome === 'timeout') {
                clock.advance(10);
                return new Promise<number>(() => {});
              }
              if (outcome === 'reject') throw boom;
              return index;
            };
            const sync: Task<number> = () => {
              if (outcome === 'throw') throw boom;
              return index;
            };
            const run = outcome === 'return' || outcome === 'throw' ? sync : task;
            return scheduler.add(run, options).then(
              (value) => value,
              (error: unknown) => (error === boom ? 'failed' : (error as Error).name),
            );
          });

          const settled = await Promise.all(promises);
          await scheduler.onIdle();

          const expected = specs.map(({ outcome }, index) =>
            outcome === 'reject' || outcome === 'throw'
              ? 'failed'
              : outcome === 'abort'
                ? 'AbortError'
                : outcome === 'timeout'
                  ? 'TaskTimeoutError'
                  : index,
          );
          expect(settled).toEqual(expected);
          const count = (...outcomes: Outcome[]) =>
            specs.filter((s) => outcomes.includes(s.outcome)).length;
          expect(scheduler.stats()).toMatchObject({
            queued: 0,
            running: 0,
            completed: count('resolve', 'return'),
            failed: count('reject', 'throw', 'timeout'),
            timedOut: count('timeout'),
            cancelled: count('abort'),
          });
          expect(scheduler.pending).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

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

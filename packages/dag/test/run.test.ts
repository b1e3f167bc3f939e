import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StepEvent, Workflow } from '../src/index.js';
import { delay, settle } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('run: shapes', () => {
  it('runs a linear chain in order, each step getting the previous output', async () => {
    const wf = new Workflow()
      .step('one', () => 1)
      .step('two', ({ one }) => (one as number) + 1, { needs: ['one'] })
      .step('three', async ({ two }) => (two as number) * 10, { needs: ['two'] });

    const result = await settle(wf.run());

    expect(result.status).toBe('succeeded');
    expect(result.steps.three).toMatchObject({ status: 'succeeded', output: 20, attempts: 1 });
  });

  it('gives a diamond join the outputs of both branches by id', async () => {
    const seen: unknown[] = [];
    const wf = new Workflow()
      .step('src', () => 'x')
      .step('left', ({ src }) => `${src}L`, { needs: ['src'] })
      .step('right', ({ src }) => `${src}R`, { needs: ['src'] })
      .step('join', (inputs) => seen.push({ ...inputs }), { needs: ['left', 'right'] });

    await settle(wf.run());

    expect(seen).toEqual([{ left: 'xL', right: 'xR' }]);
  });

  it('starts every step of a wide graph at once with unlimited concurrency', async () => {
    const wf = new Workflow();
    for (let i = 0; i < 100; i++) wf.step(`w${i}`, () => delay(50, i));

    const result = await settle(wf.run());

    expect(result.durationMs).toBe(50);
    expect(Object.values(result.steps).every((s) => s.startedAt === 0)).toBe(true);
  });

  it('runs a deep chain of many steps without growing the stack', async () => {
    const wf = new Workflow().step('s0', () => 0);
    for (let i = 1; i < 20_000; i++) {
      wf.step(`s${i}`, (inputs) => (inputs[`s${i - 1}`] as number) + 1, { needs: [`s${i - 1}`] });
    }

    const result = await settle(wf.run());

    expect(result.steps.s19999?.output).toBe(19_999);
  });

  it('resolves an empty workflow as succeeded', async () => {
    const result = await new Workflow().run();

    expect(result).toMatchObject({ status: 'succeeded', steps: {} });
  });
});

describe('run: ready-set scheduling', () => {
  it('starts a step as soon as its own dependencies are done, not its whole level', async () => {
    const wf = new Workflow()
      .step('slow', () => delay(100))
      .step('fast', () => delay(10))
      .step('afterFast', () => delay(10), { needs: ['fast'] })
      .step('afterSlow', () => delay(10), { needs: ['slow'] });

    const result = await settle(wf.run());

    expect(result.steps.afterFast?.startedAt).toBe(10);
    expect(result.steps.afterSlow?.startedAt).toBe(100);
    expect(result.durationMs).toBe(110);
  });

  it('starts the ready step with the longest remaining path first, ties in declaration order', async () => {
    const started: string[] = [];
    const track = (id: string) => () => {
      started.push(id);
      return delay(1);
    };
    const wf = new Workflow()
      .step('short', track('short'))
      .step('long', track('long'))
      .step('long2', track('long2'), { needs: ['long'] })
      .step('long3', track('long3'), { needs: ['long2'] });

    await settle(wf.run({ concurrency: 1 }));

    // After long2, long3 and short both have one step left: short was declared first.
    expect(started).toEqual(['long', 'long2', 'short', 'long3']);
  });

  it('ranks the remaining path by weight', async () => {
    const started: string[] = [];
    const wf = new Workflow()
      .step('two-light', () => started.push('two-light'), { weight: 1 })
      .step('light-child', () => undefined, { needs: ['two-light'], weight: 1 })
      .step('heavy', () => started.push('heavy'), { weight: 5 });

    await settle(wf.run({ concurrency: 1 }));

    expect(started).toEqual(['heavy', 'two-light']);
  });

  it('never runs more steps at once than the concurrency', async () => {
    let running = 0;
    let peak = 0;
    const wf = new Workflow();
    for (let i = 0; i < 20; i++) {
      wf.step(`w${i}`, async () => {
        running++;
        peak = Math.max(peak, running);
        await delay(10 + i);
        running--;
      });
    }

    const result = await settle(wf.run({ concurrency: 3 }));

    expect(result.status).toBe('succeeded');
    expect(peak).toBe(3);
  });
});

describe('run: failure', () => {
  it('skips the dependents of a failed step, naming the dependency', async () => {
    const boom = new Error('boom');
    const wf = new Workflow()
      .step('fetch', () => Promise.reject(boom))
      .step('parse', () => 'never', { needs: ['fetch'] })
      .step('store', () => 'never', { needs: ['parse'] })
      .step('other', () => 'ok');

    const result = await settle(wf.run());

    expect(result.status).toBe('failed');
    expect(result.error).toBe(boom);
    expect(result.steps.fetch).toMatchObject({ status: 'failed', error: boom, attempts: 1 });
    expect(result.steps.parse).toEqual({
      id: 'parse',
      status: 'skipped',
      attempts: 0,
      skipReason: 'dependency "fetch" failed',
      blockedBy: 'fetch',
    });
    expect(result.steps.store).toMatchObject({
      status: 'skipped',
      skipReason: 'dependency "parse" was skipped because "fetch" failed',
      blockedBy: 'parse',
    });
    expect(result.steps.other?.status).toBe('succeeded');
  });

  it('counts a synchronous throw as a failure', async () => {
    const wf = new Workflow().step('a', () => {
      throw new TypeError('bad');
    });

    const result = await settle(wf.run());

    expect(result.steps.a?.error).toBeInstanceOf(TypeError);
  });

  it('runs an all-done step after its dependencies settle, whatever their outcome', async () => {
    const cleanup = vi.fn();
    const wf = new Workflow()
      .step('work', () => Promise.reject(new Error('x')))
      .step('skippedWork', () => undefined, { needs: ['work'] })
      .step('ok', () => 'fine')
      .step('cleanup', cleanup, { needs: ['skippedWork', 'ok'], trigger: 'all-done' });

    const result = await settle(wf.run());

    expect(result.steps.cleanup?.status).toBe('succeeded');
    expect(cleanup).toHaveBeenCalledWith(
      { ok: 'fine' },
      expect.objectContaining({ dependencies: { skippedWork: 'skipped', ok: 'succeeded' } }),
    );
    expect(result.status).toBe('failed');
  });

  it('keeps running independent branches after a failure without failFast', async () => {
    const wf = new Workflow()
      .step('bad', () => Promise.reject(new Error('x')))
      .step('slow', () => delay(100, 'done'));

    const result = await settle(wf.run());

    expect(result.steps.slow).toMatchObject({ status: 'succeeded', output: 'done' });
  });

  it('with failFast, aborts running steps and skips the rest', async () => {
    let slowSignal: AbortSignal | undefined;
    const wf = new Workflow()
      .step('bad', () => delay(10).then(() => Promise.reject(new Error('x'))))
      .step('slow', (_, { signal }) => {
        slowSignal = signal;
        return delay(100, 'done', signal);
      })
      .step('later', () => undefined, { needs: ['slow'] })
      .step('cleanup', () => undefined, { needs: ['bad'], trigger: 'all-done' });

    const result = await settle(wf.run({ failFast: true }));

    expect(result.status).toBe('failed');
    expect(slowSignal?.aborted).toBe(true);
    expect(result.steps.slow).toMatchObject({ status: 'cancelled', attempts: 1, durationMs: 10 });
    expect(result.steps.slow?.error).toHaveProperty('message', expect.stringContaining('failFast'));
    expect(result.steps.later).toMatchObject({
      status: 'skipped',
      skipReason: 'failFast: step "bad" failed',
    });
    expect(result.steps.cleanup?.status).toBe('skipped');
    expect(result.durationMs).toBe(10);
  });

  it('ignores an error thrown by the onStep listener', async () => {
    const wf = new Workflow().step('a', () => 1);

    const result = await settle(
      wf.run({
        onStep: () => {
          throw new Error('listener bug');
        },
      }),
    );

    expect(result.status).toBe('succeeded');
  });
});

describe('run: cancellation', () => {
  it('cancels running steps and skips the rest when the signal fires', async () => {
    const controller = new AbortController();
    const wf = new Workflow()
      .step('a', (_, { signal }) => delay(100, 'a', signal))
      .step('b', () => 'b', { needs: ['a'] });
    const running = wf.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(30);

    controller.abort(new Error('user stop'));
    const result = await settle(running);

    expect(result.status).toBe('cancelled');
    expect(result.error).toHaveProperty('message', 'user stop');
    expect(result.steps.a).toMatchObject({ status: 'cancelled', durationMs: 30 });
    expect(result.steps.b).toMatchObject({
      status: 'skipped',
      skipReason: 'the run was cancelled',
    });
  });

  it('does not wait for a step that ignores its signal', async () => {
    const controller = new AbortController();
    const wf = new Workflow().step('stubborn', () => delay(10_000));
    const running = wf.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(5);

    controller.abort();
    const result = await running;

    expect(result.status).toBe('cancelled');
    expect(result.durationMs).toBe(5);
  });

  it('skips every step when the signal has already fired', async () => {
    const run = vi.fn();
    const wf = new Workflow().step('a', run);

    const result = await wf.run({ signal: AbortSignal.abort() });

    expect(result.status).toBe('cancelled');
    expect(result.steps.a?.status).toBe('skipped');
    expect(run).not.toHaveBeenCalled();
  });
});

describe('run: events and stats', () => {
  it('emits started, succeeded, failed and skipped with the clock time', async () => {
    const events: StepEvent[] = [];
    const wf = new Workflow()
      .step('a', () => delay(5, 'A'))
      .step('b', () => Promise.reject(new Error('no')), { needs: ['a'] })
      .step('c', () => undefined, { needs: ['b'] });

    await settle(wf.run({ onStep: (event) => events.push(event) }));

    expect(events.map((e) => [e.type, e.stepId, e.timeMs])).toEqual([
      ['started', 'a', 0],
      ['succeeded', 'a', 5],
      ['started', 'b', 5],
      ['failed', 'b', 5],
      ['skipped', 'c', 5],
    ]);
    expect(events[1]?.output).toBe('A');
    expect(events[4]?.reason).toBe('dependency "b" failed');
  });

  it('counts runs and step outcomes in stats()', async () => {
    const wf = new Workflow()
      .step('a', () => 1)
      .step('b', () => Promise.reject(new Error('x')))
      .step('c', () => 1, { needs: ['b'] });

    await settle(wf.run());
    await settle(wf.run());

    expect(wf.stats()).toMatchObject({
      steps: 3,
      edges: 1,
      runsStarted: 2,
      runsFinished: 2,
      runsActive: 0,
      runsFailed: 2,
      stepsSucceeded: 2,
      stepsFailed: 2,
      stepsSkipped: 2,
      attempts: 4,
    });
  });
});

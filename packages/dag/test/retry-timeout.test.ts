import PQueue from 'p-queue';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Clock,
  type SchedulerLike,
  type StepEvent,
  StepTimeoutError,
  Workflow,
} from '../src/index.js';
import { delay, settle } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retries', () => {
  it('retries a failing step with exponential backoff until it succeeds', async () => {
    const events: StepEvent[] = [];
    let calls = 0;
    const wf = new Workflow().step(
      'flaky',
      () => (++calls < 4 ? Promise.reject(new Error(`fail ${calls}`)) : 'ok'),
      { maxAttempts: 6, baseDelayMs: 100, jitter: 'none' },
    );

    const result = await settle(wf.run({ onStep: (e) => events.push(e) }));

    expect(result.steps.flaky).toMatchObject({ status: 'succeeded', output: 'ok', attempts: 4 });
    expect(events.filter((e) => e.type === 'retrying').map((e) => e.delayMs)).toEqual([
      100, 200, 400,
    ]);
    expect(events.filter((e) => e.type === 'started').map((e) => e.timeMs)).toEqual([
      0, 100, 300, 700,
    ]);
    expect(result.steps.flaky?.durationMs).toBe(700);
  });

  it('fails with the last error once the retries are used up', async () => {
    let calls = 0;
    const wf = new Workflow().step('down', () => Promise.reject(new Error(`fail ${++calls}`)), {
      maxAttempts: 3,
      baseDelayMs: 10,
    });

    const result = await settle(wf.run());

    expect(result.steps.down).toMatchObject({ status: 'failed', attempts: 3 });
    expect(result.steps.down?.error).toHaveProperty('message', 'fail 3');
  });

  it('caps the backoff at maxDelayMs', async () => {
    const delays: number[] = [];
    const wf = new Workflow().step('down', () => Promise.reject(new Error('x')), {
      maxAttempts: 5,
      baseDelayMs: 100,
      maxDelayMs: 250,
      jitter: 'none',
    });

    await settle(wf.run({ onStep: (e) => e.delayMs !== undefined && delays.push(e.delayMs) }));

    expect(delays).toEqual([100, 200, 250, 250]);
  });

  it('does not retry an error that retryOn refuses', async () => {
    const retryOn = vi.fn((error: unknown) => (error as Error).message !== 'fatal');
    const wf = new Workflow().step('a', () => Promise.reject(new Error('fatal')), {
      maxAttempts: 4,
      retryOn,
    });

    const result = await settle(wf.run());

    expect(result.steps.a?.attempts).toBe(1);
    expect(retryOn).toHaveBeenCalledWith(expect.any(Error), 1);
  });
});

describe('timeouts', () => {
  it('fails an attempt that outlives timeoutMs and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const wf = new Workflow().step(
      'slow',
      (_, ctx) => {
        signal = ctx.signal;
        return delay(1_000);
      },
      { timeoutMs: 50 },
    );

    const result = await settle(wf.run());

    expect(result.steps.slow).toMatchObject({ status: 'failed', durationMs: 50 });
    const error = result.steps.slow?.error as StepTimeoutError;
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_DAG_STEP_TIMEOUT', stepId: 'slow', timeoutMs: 50 });
    expect(signal?.reason).toBe(error);
  });

  it('retries a timed-out attempt with a fresh signal', async () => {
    const signals: AbortSignal[] = [];
    const wf = new Workflow().step(
      'slow-then-fast',
      (_, ctx) => {
        signals.push(ctx.signal);
        return ctx.attempt === 1 ? delay(1_000) : delay(10, 'fast');
      },
      { timeoutMs: 50, maxAttempts: 2, baseDelayMs: 5, jitter: 'none' },
    );

    const result = await settle(wf.run());

    expect(result.steps['slow-then-fast']).toMatchObject({
      status: 'succeeded',
      output: 'fast',
      attempts: 2,
      durationMs: 65,
    });
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
  });

  it('ignores the late result of a timed-out attempt', async () => {
    const wf = new Workflow()
      .step('late', () => delay(100, 'too late'), { timeoutMs: 10 })
      .step('next', () => 'ran', { needs: ['late'] });

    const result = await settle(wf.run());

    expect(result.steps.late?.status).toBe('failed');
    expect(result.steps.next?.status).toBe('skipped');
  });

  it('uses an injected clock for timeouts and timings', async () => {
    const pending: (() => void)[] = [];
    let now = 1_000;
    const clock: Clock = {
      now: () => now,
      setTimeout: (callback) => pending.push(callback),
      clearTimeout: () => undefined,
    };
    const wf = new Workflow().step('hang', () => new Promise(() => {}), { timeoutMs: 30 });
    const running = wf.run({ clock });
    await Promise.resolve();

    now = 1_030;
    pending.shift()?.();
    const result = await running;

    expect(result.steps.hang).toMatchObject({ status: 'failed', startedAt: 1_000, durationMs: 30 });
  });
});

describe('scheduler', () => {
  it('runs every attempt through scheduler.add with the remaining path as priority', async () => {
    const calls: number[] = [];
    const scheduler: SchedulerLike = {
      add: (fn, options) => {
        calls.push(options?.priority ?? -1);
        return Promise.resolve(fn({ signal: options?.signal }));
      },
    };
    const wf = new Workflow()
      .step('a', () => 1)
      .step('b', () => 2, { needs: ['a'] })
      .step('c', () => 3, { needs: ['b'] });

    const result = await settle(wf.run({ scheduler }));

    expect(result.status).toBe('succeeded');
    expect(calls).toEqual([3, 2, 1]);
  });

  it('shares the concurrency of a p-queue', async () => {
    const queue = new PQueue({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    const wf = new Workflow();
    for (let i = 0; i < 6; i++) {
      wf.step(`w${i}`, async () => {
        running++;
        peak = Math.max(peak, running);
        await delay(10);
        running--;
      });
    }

    const result = await settle(wf.run({ scheduler: queue }));

    expect(result.status).toBe('succeeded');
    expect(peak).toBe(2);
    expect(result.durationMs).toBe(30);
  });

  it('drops queued attempts from a p-queue when the run is cancelled', async () => {
    const queue = new PQueue({ concurrency: 1 });
    const controller = new AbortController();
    const ran: string[] = [];
    const wf = new Workflow()
      .step('first', (_, { signal }) => {
        ran.push('first');
        return delay(100, 1, signal);
      })
      .step('second', () => ran.push('second'));
    const running = wf.run({ scheduler: queue, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);

    controller.abort();
    const result = await settle(running);

    expect(ran).toEqual(['first']);
    expect(result.steps.second).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(queue.size).toBe(0);
  });

  it('fails the attempt when the scheduler rejects it', async () => {
    const scheduler: SchedulerLike = { add: () => Promise.reject(new Error('queue closed')) };
    const wf = new Workflow().step('a', () => 1);

    const result = await settle(wf.run({ scheduler }));

    expect(result.steps.a?.error).toHaveProperty('message', 'queue closed');
  });
});

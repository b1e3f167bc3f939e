import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StepEvent, type StepOptions, Workflow } from '../src/index.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The waits before each retry of a step that always fails. */
async function waits(options: StepOptions, random?: () => number): Promise<number[]> {
  const events: StepEvent[] = [];
  const wf = new Workflow().step('down', () => Promise.reject(new Error('x')), options);
  const running = wf.run({ onStep: (e) => events.push(e), ...(random ? { random } : {}) });
  await vi.runAllTimersAsync();
  await running;
  return events.filter((e) => e.type === 'retrying').map((e) => e.delayMs!);
}

describe('retry options', () => {
  it('makes a single attempt by default', async () => {
    const run = vi.fn(() => Promise.reject(new Error('x')));
    const wf = new Workflow().step('once', run);

    const running = wf.run();
    await vi.runAllTimersAsync();
    const result = await running;

    expect(run).toHaveBeenCalledTimes(1);
    expect(result.steps.once).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('counts maxAttempts with the first attempt included', async () => {
    const run = vi.fn(() => Promise.reject(new Error('x')));
    const wf = new Workflow().step('three', run, { maxAttempts: 3 });

    const running = wf.run();
    await vi.runAllTimersAsync();
    await running;

    expect(run).toHaveBeenCalledTimes(3);
  });

  it('grows the cap by multiplier', async () => {
    const delays = await waits({ maxAttempts: 4, baseDelayMs: 10, multiplier: 3, jitter: 'none' });

    expect(delays).toEqual([10, 30, 90]);
  });

  it('waits a random share of the cap with full jitter, the default', async () => {
    const shares = [0.5, 0.25, 0];
    const delays = await waits({ maxAttempts: 4, baseDelayMs: 100 }, () => shares.shift()!);

    expect(delays).toEqual([50, 50, 0]);
  });

  it('keeps a jittered wait within [0, cap] whatever the random source returns', async () => {
    const values = [1.5, -1, Number.NaN];
    const delays = await waits({ maxAttempts: 4, baseDelayMs: 100 }, () => values.shift()!);

    expect(delays).toEqual([100, 0, 0]);
  });

  it('caps a wait that would overflow at maxDelayMs', async () => {
    const delays = await waits({
      maxAttempts: 3,
      baseDelayMs: 1,
      multiplier: Number.MAX_VALUE,
      maxDelayMs: 500,
      jitter: 'none',
    });

    expect(delays).toEqual([1, 500]);
  });

  it('does not retry when retryOn throws', async () => {
    const run = vi.fn(() => Promise.reject(new Error('x')));
    const wf = new Workflow().step('a', run, {
      maxAttempts: 3,
      retryOn: () => {
        throw new Error('predicate bug');
      },
    });

    const running = wf.run();
    await vi.runAllTimersAsync();
    const result = await running;

    expect(run).toHaveBeenCalledTimes(1);
    expect(result.steps.a?.error).toHaveProperty('message', 'x');
  });

  it('gives retryOn the error and the attempt that failed', async () => {
    const retryOn = vi.fn((_error: unknown, _attempt: number) => true);
    const wf = new Workflow().step('a', () => Promise.reject(new Error('x')), {
      maxAttempts: 3,
      retryOn,
    });

    const running = wf.run();
    await vi.runAllTimersAsync();
    await running;

    expect(retryOn.mock.calls.map(([, attempt]) => attempt)).toEqual([1, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { type RunOptions, type StepOptions, type StepRun, Workflow } from '../src/index.js';

const noop = () => undefined;

describe('step() argument checks', () => {
  it.each([
    ['', noop, {}, TypeError, 'id must be a non-empty string'],
    ['a', 'not a function', {}, TypeError, 'run must be a function'],
    ['a', noop, { needs: 'b' }, TypeError, 'options.needs must be an array'],
    ['a', noop, { maxAttempts: 1.5 }, RangeError, 'options.maxAttempts'],
    ['a', noop, { maxAttempts: 0 }, RangeError, 'options.maxAttempts'],
    ['a', noop, { maxAttempts: 101 }, RangeError, 'an integer from 1 to 100'],
    ['a', noop, { maxAttempts: Number.POSITIVE_INFINITY }, RangeError, 'options.maxAttempts'],
    ['a', noop, { baseDelayMs: -5 }, RangeError, 'options.baseDelayMs'],
    ['a', noop, { maxDelayMs: Number.NaN }, RangeError, 'options.maxDelayMs'],
    ['a', noop, { multiplier: 0.5 }, RangeError, 'options.multiplier'],
    ['a', noop, { multiplier: Number.POSITIVE_INFINITY }, RangeError, 'options.multiplier'],
    ['a', noop, { jitter: 'equal' }, RangeError, 'options.jitter'],
    ['a', noop, { timeoutMs: 0 }, RangeError, 'options.timeoutMs'],
    ['a', noop, { timeoutMs: Number.POSITIVE_INFINITY }, RangeError, 'options.timeoutMs'],
    ['a', noop, { timeoutMs: 2 ** 31 }, RangeError, '<= 2147483647'],
    ['a', noop, { baseDelayMs: Number.POSITIVE_INFINITY }, RangeError, 'options.baseDelayMs'],
    ['a', noop, { maxDelayMs: 2 ** 31 }, RangeError, 'options.maxDelayMs'],
    ['a', noop, { trigger: 'one-success' }, RangeError, 'options.trigger'],
    ['a', noop, { weight: Number.POSITIVE_INFINITY }, RangeError, 'options.weight'],
    ['a', noop, { retryOn: true }, TypeError, 'options.retryOn'],
  ])('rejects step(%j, …, %j) with a message naming the option', (id, run, options, type, text) => {
    const declare = () => new Workflow().step(id, run as StepRun, options as StepOptions);

    expect(declare).toThrow(type);
    expect(declare).toThrow(text);
  });

  it('treats a dependency named twice as one', () => {
    const wf = new Workflow().step('a', noop).step('b', noop, { needs: ['a', 'a'] });

    expect(wf.stats().edges).toBe(1);
  });
});

describe('run() option checks', () => {
  it.each([
    [{ concurrency: 0 }, RangeError, 'options.concurrency'],
    [{ concurrency: 2.5 }, RangeError, 'options.concurrency'],
    [{ signal: {} }, TypeError, 'options.signal'],
    [{ scheduler: {} }, TypeError, 'options.scheduler'],
    [{ onStep: 'log' }, TypeError, 'options.onStep'],
    [{ clock: {} }, TypeError, 'options.clock'],
    [{ clock: { now: () => 0, setTimeout: () => 0 } }, TypeError, 'options.clock'],
    [{ failFast: 'yes' }, TypeError, 'options.failFast'],
    [{ random: 0.5 }, TypeError, 'options.random'],
  ])('rejects run(%j) naming the option', async (options, type, text) => {
    const wf = new Workflow().step('a', noop);

    const running = wf.run(options as unknown as RunOptions);

    await expect(running).rejects.toThrow(type);
    await expect(wf.run(options as unknown as RunOptions)).rejects.toThrow(text);
  });

  it('rejects the run of an invalid graph without running any step', async () => {
    let ran = false;
    const wf = new Workflow()
      .step('a', () => {
        ran = true;
      })
      .step('b', noop, { needs: ['missing'] });

    await expect(wf.run()).rejects.toMatchObject({ code: 'ERR_DAG_MISSING_DEPENDENCY' });
    expect(ran).toBe(false);
  });
});

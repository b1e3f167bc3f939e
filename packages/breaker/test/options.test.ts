import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions, exponentialBackoff } from '../src/index.js';
import { FakeClock, fail } from './helpers.js';

describe('options', () => {
  it.each<[string, CircuitBreakerOptions, ErrorConstructor]>([
    ['failureThreshold', { failureThreshold: 0 }, RangeError],
    ['failureThreshold', { failureThreshold: -3 }, RangeError],
    ['failureThreshold', { failureThreshold: 2.5 }, TypeError],
    ['recoveryTimeout', { recoveryTimeout: -1 }, RangeError],
    ['recoveryTimeout', { recoveryTimeout: Number.NaN }, TypeError],
    ['recoveryTimeout(0)', { recoveryTimeout: () => -1 }, RangeError],
    ['halfOpenMaxCalls', { halfOpenMaxCalls: 0 }, RangeError],
    ['halfOpenMaxCalls', { halfOpenMaxCalls: Number.POSITIVE_INFINITY }, RangeError],
    ['halfOpenMaxWaitMs', { halfOpenMaxWaitMs: 0 }, RangeError],
    ['halfOpenMaxWaitMs', { halfOpenMaxWaitMs: -1 }, RangeError],
    ['halfOpenMaxWaitMs', { halfOpenMaxWaitMs: '5s' as never }, TypeError],
    ['slowCallMs', { slowCallMs: 0 }, RangeError],
    ['timeout', { timeout: -5 }, RangeError],
    ['timeout', { timeout: Number.POSITIVE_INFINITY }, RangeError],
    [
      'window.failureRateThreshold',
      { window: { type: 'count', size: 10, failureRateThreshold: 0 } },
      RangeError,
    ],
    [
      'window.failureRateThreshold',
      { window: { type: 'count', size: 10, failureRateThreshold: 1.5 } },
      RangeError,
    ],
    [
      'window.slowCallRateThreshold',
      { window: { type: 'time', durationMs: 1_000, slowCallRateThreshold: -0.1 } },
      RangeError,
    ],
    ['window.size', { window: { type: 'count', size: 0 } }, RangeError],
    ['window.minimumCalls', { window: { type: 'count', size: 5, minimumCalls: 6 } }, RangeError],
    [
      'window.minimumCalls',
      { window: { type: 'time', durationMs: 1_000, minimumCalls: 0 } },
      RangeError,
    ],
    ['window.durationMs', { window: { type: 'time', durationMs: 0 } }, RangeError],
    ['window.buckets', { window: { type: 'time', durationMs: 1_000, buckets: 0 } }, RangeError],
    ['window.type', { window: { type: 'sliding' } as never }, TypeError],
    ['isFailure', { isFailure: 'no' as never }, TypeError],
    ['clock.now', { clock: { setTimeout: () => 0, clearTimeout: () => {} } as never }, TypeError],
    [
      'failureThreshold and window',
      { failureThreshold: 3, window: { type: 'count', size: 5 } },
      TypeError,
    ],
  ])('rejects an invalid %s with an error naming it', (option, options, ErrorClass) => {
    const create = () => new CircuitBreaker(options);

    expect(create).toThrow(ErrorClass);
    expect(create).toThrow(option);
  });

  it('uses the documented defaults', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({ clock });

    for (let i = 0; i < 4; i++) await fail(breaker);
    const afterFour = breaker.state;
    await fail(breaker);

    expect(afterFour).toBe('closed');
    expect(breaker.name).toBe('breaker');
    expect(breaker.circuitState).toMatchObject({ name: 'open', retryAt: 60_000 });
  });

  it('opens with the first delay, and reports the bug, when recoveryTimeout() later returns nonsense', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      recoveryTimeout: (reopenCount) => (reopenCount === 0 ? 1_000 : Number.NaN),
      clock,
    });
    const uncaught: unknown[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (task) => {
      try {
        task();
      } catch (error) {
        uncaught.push(error);
      }
    };
    let probeError: unknown;
    try {
      await fail(breaker);
      clock.advance(1_000);
      probeError = await breaker
        .execute(() => Promise.reject(new Error('still down')))
        .catch((error: unknown) => error);
    } finally {
      globalThis.queueMicrotask = original;
    }

    expect(probeError).toEqual(new Error('still down'));
    expect(breaker.circuitState).toMatchObject({ name: 'open', retryAt: 2_000, reopenCount: 1 });
    expect(uncaught).toHaveLength(1);
    expect(String(uncaught[0])).toContain('recoveryTimeout(1)');
  });
});

describe('exponentialBackoff', () => {
  it('multiplies the delay per attempt up to the cap', () => {
    const delay = exponentialBackoff({ baseDelayMs: 100, multiplier: 2, maxDelayMs: 500 });

    expect([0, 1, 2, 3, 50, 5_000].map(delay)).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it.each([
    ['baseDelayMs', { baseDelayMs: -1 }],
    ['multiplier', { multiplier: 0 }],
    ['maxDelayMs', { baseDelayMs: 10, maxDelayMs: 5 }],
  ])('rejects an invalid %s', (option, options) => {
    expect(() => exponentialBackoff(options)).toThrow(RangeError);
    expect(() => exponentialBackoff(options)).toThrow(option);
  });
});

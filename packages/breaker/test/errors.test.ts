import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BreakerError,
  type BreakerErrorCode,
  BreakerTimeoutError,
  BrokenCircuitError,
  CircuitBreaker,
  isBreakerError,
} from '../src/index.js';
import { FakeClock, fail } from './helpers.js';

const never = () => new Promise<never>(() => {});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('error classes', () => {
  it('makes every error the breaker throws a BreakerError with an ERR_BREAKER_ code', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ name: 'api', failureThreshold: 1, timeout: 10, clock });
    const timingOut = rejection(breaker.execute(never));
    clock.advance(10);
    const timedOut = await timingOut;
    await fail(breaker);

    const rejected = await rejection(breaker.execute(async () => 1));

    expect(timedOut).toBeInstanceOf(BreakerTimeoutError);
    expect(timedOut).toBeInstanceOf(BreakerError);
    expect(timedOut).toMatchObject({ code: 'ERR_BREAKER_TIMEOUT', breakerName: 'api' });
    expect(rejected).toBeInstanceOf(BrokenCircuitError);
    expect(rejected).toBeInstanceOf(BreakerError);
    expect(rejected).toMatchObject({ code: 'ERR_BREAKER_OPEN', breakerName: 'api' });
  });

  it('gives each class its code as a static literal', () => {
    expect(BrokenCircuitError.code).toBe('ERR_BREAKER_OPEN');
    expect(BreakerTimeoutError.code).toBe('ERR_BREAKER_TIMEOUT');
    expectTypeOf(BrokenCircuitError.code).toEqualTypeOf<'ERR_BREAKER_OPEN'>();
    expectTypeOf<BreakerTimeoutError['code']>().toEqualTypeOf<'ERR_BREAKER_TIMEOUT'>();
    expectTypeOf<BreakerError['code']>().toEqualTypeOf<BreakerErrorCode>();
  });

  it('names each error after its class', () => {
    expect(new BrokenCircuitError('api', 'forced-open', undefined).name).toBe('BrokenCircuitError');
    expect(new BreakerTimeoutError('api', 10).name).toBe('BreakerTimeoutError');
  });
});

describe('isBreakerError', () => {
  it('recognises the package’s errors, with or without a code', () => {
    const open = new BrokenCircuitError('api', 'open', 1_000);
    const timeout = new BreakerTimeoutError('api', 10);

    expect(isBreakerError(open)).toBe(true);
    expect(isBreakerError(timeout)).toBe(true);
    expect(isBreakerError(open, 'ERR_BREAKER_OPEN')).toBe(true);
    expect(isBreakerError(timeout, 'ERR_BREAKER_OPEN')).toBe(false);
    expect(isBreakerError(timeout, 'ERR_BREAKER_TIMEOUT')).toBe(true);
  });

  it('recognises an error from another copy of the package by its code', () => {
    // What a second installed copy throws: same shape and code, a different prototype.
    const foreign = Object.assign(new Error('open'), {
      name: 'BrokenCircuitError',
      code: 'ERR_BREAKER_OPEN',
      breakerName: 'api',
      state: 'open',
      retryAt: 1_000,
    });

    expect(foreign).not.toBeInstanceOf(BrokenCircuitError);
    expect(isBreakerError(foreign)).toBe(true);
    expect(isBreakerError(foreign, 'ERR_BREAKER_OPEN')).toBe(true);
  });

  it.each([
    ['another package’s code', Object.assign(new Error('x'), { code: 'ERR_CACHE_TIER_TIMEOUT' })],
    ['a DOMException TimeoutError', new DOMException('timed out', 'TimeoutError')],
    ['a code that is not a string', { code: 42 }],
    ['a plain Error', new Error('x')],
    ['null', null],
    ['a string', 'ERR_BREAKER_OPEN'],
  ])('rejects %s', (_, value) => {
    expect(isBreakerError(value)).toBe(false);
  });

  it('narrows to the class of the code it was given', () => {
    const error: unknown = new BrokenCircuitError('api', 'open', 1_000);

    if (isBreakerError(error, 'ERR_BREAKER_OPEN')) {
      expectTypeOf(error).toEqualTypeOf<BrokenCircuitError>();
      expect(error.retryAt).toBe(1_000);
    }
    if (isBreakerError(error, 'ERR_BREAKER_TIMEOUT')) {
      expectTypeOf(error).toEqualTypeOf<BreakerTimeoutError>();
    }
    if (isBreakerError(error)) expectTypeOf(error).toEqualTypeOf<BreakerError>();
  });
});

import { describe, expect, it } from 'vitest';
import {
  AcquireTimeoutError,
  CreateFailedError,
  CreateTimeoutError,
  DestroyTimeoutError,
  isPoolError,
  NotBorrowedError,
  PoolClosedError,
  PoolError,
  type PoolErrorCode,
} from '../src/index.js';

const errors = [
  [new AcquireTimeoutError('a', 50), 'ERR_POOL_ACQUIRE_TIMEOUT'],
  [new PoolClosedError('a'), 'ERR_POOL_CLOSED'],
  [new NotBorrowedError('a'), 'ERR_POOL_NOT_BORROWED'],
  [new CreateFailedError('a', 'not-retryable', 1, new Error('EAUTH')), 'ERR_POOL_CREATE_FAILED'],
  [new CreateTimeoutError('a', 50), 'ERR_POOL_CREATE_TIMEOUT'],
  [new DestroyTimeoutError('a', 50), 'ERR_POOL_DESTROY_TIMEOUT'],
] as const satisfies readonly (readonly [PoolError, PoolErrorCode])[];

describe('errors', () => {
  it.each(errors)('%s extends PoolError with its code, also on the class', (error, code) => {
    expect(error).toBeInstanceOf(PoolError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect((error.constructor as unknown as { code: string }).code).toBe(code);
    expect(error.peerId).toBe('a');
    expect(error.name).toBe(error.constructor.name);
  });

  it('recognises its errors by code, also from another copy of the package', () => {
    const fromOtherCopy = Object.assign(new Error('timed out'), {
      code: 'ERR_POOL_ACQUIRE_TIMEOUT',
    });

    expect(isPoolError(fromOtherCopy)).toBe(true);
    expect(isPoolError(fromOtherCopy, 'ERR_POOL_ACQUIRE_TIMEOUT')).toBe(true);
    expect(isPoolError(fromOtherCopy, 'ERR_POOL_CLOSED')).toBe(false);
  });

  it('recognises nothing else', () => {
    for (const value of [
      new Error('x'),
      Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      { code: 42 },
      'ERR_POOL_CLOSED',
      null,
      undefined,
    ]) {
      expect(isPoolError(value)).toBe(false);
    }
  });

  it('narrows to the error class of the code given', () => {
    const error: unknown = new AcquireTimeoutError('a', 50);

    if (!isPoolError(error, 'ERR_POOL_ACQUIRE_TIMEOUT')) throw new Error('not recognised');
    const timeoutMs: number = error.timeoutMs;

    expect(timeoutMs).toBe(50);
  });

  it('says what to do in every message', () => {
    expect(new CreateFailedError('db', 'max-attempts', 3, new Error('ECONNREFUSED')).message).toBe(
      'Could not create a connection to peer "db": ECONNREFUSED. This acquire saw 3 attempts fail (createRetry.maxAttempts); check that the peer is reachable and its settings are right, then acquire again.',
    );
  });
});

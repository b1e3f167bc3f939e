import { describe, expect, it } from 'vitest';
import {
  CacheError,
  type CacheErrorCode,
  InvalidKeyError,
  InvalidTtlError,
  isCacheError,
  StoreClosedError,
  TierTimeoutError,
  UnserializableValueError,
} from '../src/index.js';

const errors: Array<[CacheErrorCode, { code: CacheErrorCode }, CacheError]> = [
  ['ERR_CACHE_INVALID_KEY', InvalidKeyError, new InvalidKeyError(1)],
  [
    'ERR_CACHE_UNSERIALIZABLE_VALUE',
    UnserializableValueError,
    new UnserializableValueError('value', 'is a function'),
  ],
  ['ERR_CACHE_INVALID_TTL', InvalidTtlError, new InvalidTtlError(-1)],
  ['ERR_CACHE_CLOSED', StoreClosedError, new StoreClosedError('Cache')],
  ['ERR_CACHE_TIER_TIMEOUT', TierTimeoutError, new TierTimeoutError('disk', 'get', 50)],
];

describe('errors', () => {
  it.each(errors)(
    '%s: its class extends CacheError and states the code statically',
    (code, Class, error) => {
      expect(error).toBeInstanceOf(CacheError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(Class.code).toBe(code);
      expect(isCacheError(error, code)).toBe(true);
    },
  );

  it('isCacheError checks the code, so an error from another copy of the package matches', () => {
    const fromAnotherCopy = Object.assign(new Error('closed'), { code: 'ERR_CACHE_CLOSED' });

    expect(isCacheError(fromAnotherCopy)).toBe(true);
    expect(isCacheError(fromAnotherCopy, 'ERR_CACHE_CLOSED')).toBe(true);
  });

  it('isCacheError rejects another code, another package’s code and non-errors', () => {
    expect(isCacheError(new StoreClosedError('Cache'), 'ERR_CACHE_TIER_TIMEOUT')).toBe(false);
    expect(isCacheError(Object.assign(new Error('open'), { code: 'ERR_BREAKER_OPEN' }))).toBe(
      false,
    );
    expect(isCacheError(new Error('plain'))).toBe(false);
    expect(isCacheError('ERR_CACHE_CLOSED')).toBe(false);
    expect(isCacheError(null)).toBe(false);
    expect(isCacheError(undefined)).toBe(false);
  });

  it('names each class and says what to do in the message', () => {
    const error = new TierTimeoutError('keyv', 'get', 50);

    expect(error.name).toBe('TierTimeoutError');
    expect(error).toMatchObject({ tier: 'keyv', operation: 'get', timeoutMs: 50 });
    expect(error.message).toMatch(/raise tierTimeoutMs/);
  });
});

/** Every error this package throws on purpose carries one of these codes. */
export type CacheErrorCode =
  | 'ERR_CACHE_INVALID_KEY'
  | 'ERR_CACHE_UNSERIALIZABLE_VALUE'
  | 'ERR_CACHE_INVALID_TTL'
  | 'ERR_CACHE_CLOSED'
  | 'ERR_CACHE_TIER_TIMEOUT';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A key that is not a string, or too long for the store it is meant for. */
export class InvalidKeyError extends TypeError {
  readonly code = 'ERR_CACHE_INVALID_KEY' as const;
  readonly key: unknown;

  constructor(key: unknown, reason?: string) {
    super(
      reason ??
        `Cache keys must be strings, got ${describe(key)}. Build one with cacheKey(name, inputs).`,
    );
    this.name = 'InvalidKeyError';
    this.key = key;
  }
}

/** A value the cache cannot store faithfully: functions, symbols, BigInt, circular objects, … */
export class UnserializableValueError extends TypeError {
  readonly code = 'ERR_CACHE_UNSERIALIZABLE_VALUE' as const;
  /** Where in the value the problem is, e.g. `value.items[2].callback`. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(
      `${path} ${problem}; cache values must be JSON-like (plain objects, arrays, strings, ` +
        'finite numbers, booleans, null, Dates) or Buffers / Uint8Arrays. Convert it before caching.',
    );
    this.name = 'UnserializableValueError';
    this.path = path;
  }
}

/** A TTL that is negative, NaN or not a number. */
export class InvalidTtlError extends RangeError {
  readonly code = 'ERR_CACHE_INVALID_TTL' as const;
  readonly ttl: unknown;

  constructor(ttl: unknown, option = 'ttl') {
    super(
      `${option} must be a number of milliseconds >= 0 (0 or Infinity: never expires), got ${String(ttl)}.`,
    );
    this.name = 'InvalidTtlError';
    this.ttl = ttl;
  }
}

/** An operation on a store after its `close()`. */
export class StoreClosedError extends Error {
  readonly code = 'ERR_CACHE_CLOSED' as const;

  constructor(what: string) {
    super(`${what} is closed; create a new instance to keep using the directory.`);
    this.name = 'StoreClosedError';
  }
}

/** A lower tier that did not answer within `tierTimeoutMs`; reported as an error event, never thrown by `get`. */
export class TierTimeoutError extends Error {
  readonly code = 'ERR_CACHE_TIER_TIMEOUT' as const;
  readonly tier: string;
  readonly timeoutMs: number;

  constructor(tier: string, operation: string, timeoutMs: number) {
    super(
      `Cache tier "${tier}" did not answer ${operation} within ${timeoutMs} ms; ` +
        'check the store (is Redis reachable?) or raise tierTimeoutMs.',
    );
    this.name = 'TierTimeoutError';
    this.tier = tier;
    this.timeoutMs = timeoutMs;
  }
}

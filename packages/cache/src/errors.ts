/** Every error this package throws on purpose carries one of these codes. */
export type CacheErrorCode =
  | 'ERR_CACHE_INVALID_KEY'
  | 'ERR_CACHE_UNSERIALIZABLE_VALUE'
  | 'ERR_CACHE_INVALID_TTL'
  | 'ERR_CACHE_CLOSED'
  | 'ERR_CACHE_TIER_TIMEOUT';

const PREFIX = 'ERR_CACHE_';

/**
 * The base class of every error `@x/cache` throws on purpose (bad options aside, which are
 * `TypeError`s / `RangeError`s naming the option). Match errors with {@link isCacheError}, which
 * works across two installed copies of the package, where `instanceof` does not.
 */
export class CacheError extends Error {
  readonly code: CacheErrorCode;

  constructor(code: CacheErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CacheError';
    this.code = code;
  }
}

/**
 * Whether `error` is a `@x/cache` error (any copy of the package), and of `code` when given.
 * Checks the `code` (`ERR_CACHE_…`), not the prototype.
 */
export function isCacheError(error: unknown, code?: CacheErrorCode): error is CacheError {
  if (typeof error !== 'object' || error === null) return false;
  const actual = (error as { code?: unknown }).code;
  if (typeof actual !== 'string' || !actual.startsWith(PREFIX)) return false;
  return code === undefined || actual === code;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A key that is not a string, or too long for the store it is meant for. */
export class InvalidKeyError extends CacheError {
  static readonly code = 'ERR_CACHE_INVALID_KEY';
  declare readonly code: typeof InvalidKeyError.code;
  readonly key: unknown;

  constructor(key: unknown, reason?: string) {
    super(
      InvalidKeyError.code,
      reason ??
        `Cache keys must be strings, got ${describe(key)}. Build one with cacheKey(name, inputs).`,
    );
    this.name = 'InvalidKeyError';
    this.key = key;
  }
}

/** A value the cache cannot store faithfully: functions, symbols, BigInt, circular objects, … */
export class UnserializableValueError extends CacheError {
  static readonly code = 'ERR_CACHE_UNSERIALIZABLE_VALUE';
  declare readonly code: typeof UnserializableValueError.code;
  /** Where in the value the problem is, e.g. `value.items[2].callback`. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(
      UnserializableValueError.code,
      `${path} ${problem}; cache values must be JSON-like (plain objects, arrays, strings, ` +
        'finite numbers, booleans, null, Dates) or Buffers / Uint8Arrays. Convert it before caching.',
    );
    this.name = 'UnserializableValueError';
    this.path = path;
  }
}

/** A TTL that is negative, NaN or not a number. */
export class InvalidTtlError extends CacheError {
  static readonly code = 'ERR_CACHE_INVALID_TTL';
  declare readonly code: typeof InvalidTtlError.code;
  readonly ttl: unknown;

  constructor(ttl: unknown, option = 'ttl') {
    super(
      InvalidTtlError.code,
      `${option} must be a number of milliseconds >= 0 (0 or Infinity: never expires), got ${String(ttl)}.`,
    );
    this.name = 'InvalidTtlError';
    this.ttl = ttl;
  }
}

/** A call on a `DiskStore` or a `Cache` after its `close()`. */
export class StoreClosedError extends CacheError {
  static readonly code = 'ERR_CACHE_CLOSED';
  declare readonly code: typeof StoreClosedError.code;

  /** `what`: the closed object, e.g. `'DiskStore'`; `advice`: what to do instead. */
  constructor(what: string, advice = `create a new ${what} to keep using it`) {
    super(StoreClosedError.code, `${what} is closed; ${advice}.`);
    this.name = 'StoreClosedError';
  }
}

/** A lower tier that did not answer within `tierTimeoutMs`; reported as an error event, never thrown by `get`. */
export class TierTimeoutError extends CacheError {
  static readonly code = 'ERR_CACHE_TIER_TIMEOUT';
  declare readonly code: typeof TierTimeoutError.code;
  readonly tier: string;
  readonly operation: string;
  readonly timeoutMs: number;

  constructor(tier: string, operation: string, timeoutMs: number) {
    super(
      TierTimeoutError.code,
      `Cache tier "${tier}" did not answer ${operation} within ${timeoutMs} ms; ` +
        'check the store (is Redis reachable?) or raise tierTimeoutMs.',
    );
    this.name = 'TierTimeoutError';
    this.tier = tier;
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

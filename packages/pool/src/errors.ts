/** The `code` of every error `@x/pool` throws on purpose. */
export type PoolErrorCode =
  | 'ERR_POOL_ACQUIRE_TIMEOUT'
  | 'ERR_POOL_CLOSED'
  | 'ERR_POOL_NOT_BORROWED'
  | 'ERR_POOL_CREATE_FAILED'
  | 'ERR_POOL_CREATE_TIMEOUT'
  | 'ERR_POOL_DESTROY_TIMEOUT';

const PREFIX = 'ERR_POOL_';

/**
 * The base of every error `@x/pool` throws or reports on purpose. Match on `code` (or with
 * {@link isPoolError}) rather than `instanceof`, which fails when two copies of the package are
 * installed.
 */
export class PoolError extends Error {
  readonly code: PoolErrorCode;
  /** The peer the error is about. */
  readonly peerId: string;

  constructor(code: PoolErrorCode, peerId: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PoolError';
    this.code = code;
    this.peerId = peerId;
  }
}

/**
 * Rejection of an `acquire` that could not get a connection within `acquireTimeoutMs`: every
 * connection of the peer stayed borrowed, `maxTotal` or `maxPeers` left no room, or creating one
 * kept failing (then `cause` is the last error `create` threw).
 */
export class AcquireTimeoutError extends PoolError {
  static readonly code = 'ERR_POOL_ACQUIRE_TIMEOUT' as const;
  declare readonly code: typeof AcquireTimeoutError.code;
  /** The `acquireTimeoutMs` that ran out. */
  readonly timeoutMs: number;

  constructor(peerId: string, timeoutMs: number, cause?: unknown) {
    super(
      AcquireTimeoutError.code,
      peerId,
      `Timed out after ${timeoutMs} ms waiting for a connection to peer "${peerId}". ${
        cause === undefined ? '' : `The last create failed: ${describe(cause)}. `
      }Release connections you no longer use, raise maxPerPeer, maxPeers or maxTotal, or raise acquireTimeoutMs.`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'AcquireTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** Rejection of an `acquire` made after `drain()` was called. */
export class PoolClosedError extends PoolError {
  static readonly code = 'ERR_POOL_CLOSED' as const;
  declare readonly code: typeof PoolClosedError.code;

  constructor(peerId: string) {
    super(
      PoolClosedError.code,
      peerId,
      `Cannot acquire a connection to peer "${peerId}": the pool has been drained. Create a new PeerPool to acquire again.`,
    );
    this.name = 'PoolClosedError';
  }
}

/**
 * Thrown by `release` and `destroy` for a connection that is not borrowed from that peer of
 * this pool: it was released or destroyed already, or it came from another peer or pool.
 */
export class NotBorrowedError extends PoolError {
  static readonly code = 'ERR_POOL_NOT_BORROWED' as const;
  declare readonly code: typeof NotBorrowedError.code;

  constructor(peerId: string) {
    super(
      NotBorrowedError.code,
      peerId,
      `This connection is not borrowed from peer "${peerId}": it was already released or destroyed, or it belongs to another peer or pool. Hand each acquired connection back exactly once, to the peer it was acquired from.`,
    );
    this.name = 'NotBorrowedError';
  }
}

/** Why the acquires waiting for a new connection were failed before their timeout. */
export type CreateFailedReason = 'not-retryable' | 'max-attempts';

/**
 * Rejection of an `acquire` whose connection could not be created and is not tried again for
 * it: `createRetry.retryOn` said the create error is not worth another attempt, or the acquire
 * saw `createRetry.maxAttempts` attempts fail. `cause` is the last create error.
 */
export class CreateFailedError extends PoolError {
  static readonly code = 'ERR_POOL_CREATE_FAILED' as const;
  declare readonly code: typeof CreateFailedError.code;
  /** `'not-retryable'` (by `retryOn`) or `'max-attempts'`. */
  readonly reason: CreateFailedReason;
  /** Failed create attempts this acquire waited through, the last one included. */
  readonly attempts: number;

  constructor(peerId: string, reason: CreateFailedReason, attempts: number, cause: unknown) {
    super(
      CreateFailedError.code,
      peerId,
      `Could not create a connection to peer "${peerId}": ${describe(cause)}. ${
        reason === 'not-retryable'
          ? 'createRetry.retryOn says this error is not worth another attempt'
          : `This acquire saw ${attempts} attempts fail (createRetry.maxAttempts)`
      }; check that the peer is reachable and its settings are right, then acquire again.`,
      { cause },
    );
    this.name = 'CreateFailedError';
    this.reason = reason;
    this.attempts = attempts;
  }
}

/** Reported (in a `createError` event) when `create` did not settle within `createTimeoutMs`. */
export class CreateTimeoutError extends PoolError {
  static readonly code = 'ERR_POOL_CREATE_TIMEOUT' as const;
  declare readonly code: typeof CreateTimeoutError.code;
  readonly timeoutMs: number;

  constructor(peerId: string, timeoutMs: number) {
    super(
      CreateTimeoutError.code,
      peerId,
      `create() for peer "${peerId}" did not settle within ${timeoutMs} ms (createTimeoutMs); a connection it delivers later is destroyed.`,
    );
    this.name = 'CreateTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** Reported (in a `destroyError` event) when `destroy` did not settle within `destroyTimeoutMs`. */
export class DestroyTimeoutError extends PoolError {
  static readonly code = 'ERR_POOL_DESTROY_TIMEOUT' as const;
  declare readonly code: typeof DestroyTimeoutError.code;
  readonly timeoutMs: number;

  constructor(peerId: string, timeoutMs: number) {
    super(
      DestroyTimeoutError.code,
      peerId,
      `destroy() for peer "${peerId}" did not settle within ${timeoutMs} ms (destroyTimeoutMs); the pool stopped waiting for it.`,
    );
    this.name = 'DestroyTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The error class of each code, for {@link isPoolError}'s narrowing. */
export interface PoolErrorByCode {
  ERR_POOL_ACQUIRE_TIMEOUT: AcquireTimeoutError;
  ERR_POOL_CLOSED: PoolClosedError;
  ERR_POOL_NOT_BORROWED: NotBorrowedError;
  ERR_POOL_CREATE_FAILED: CreateFailedError;
  ERR_POOL_CREATE_TIMEOUT: CreateTimeoutError;
  ERR_POOL_DESTROY_TIMEOUT: DestroyTimeoutError;
}

/**
 * Whether `error` is one of this package's errors (with that `code`, when given). It checks the
 * `code`, not the prototype, so it also recognises errors from another installed copy of
 * `@x/pool`.
 *
 * @example
 * if (isPoolError(error, 'ERR_POOL_ACQUIRE_TIMEOUT')) console.log(error.timeoutMs);
 */
export function isPoolError<C extends PoolErrorCode>(
  error: unknown,
  code: C,
): error is PoolErrorByCode[C];
export function isPoolError(error: unknown, code?: PoolErrorCode): error is PoolError;
export function isPoolError(error: unknown, code?: PoolErrorCode): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const actual = (error as { code?: unknown }).code;
  return (
    typeof actual === 'string' &&
    actual.startsWith(PREFIX) &&
    (code === undefined || actual === code)
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Rejection of an `acquire` that could not get a connection within `acquireTimeoutMs`: every
 * connection of the peer stayed borrowed, `maxTotal` or `maxPeers` left no room, or creating one kept failing
 * (then `cause` is the last error `create` threw).
 */
export class AcquireTimeoutError extends Error {
  readonly code = 'ERR_POOL_ACQUIRE_TIMEOUT' as const;
  /** The peer whose connection was asked for. */
  readonly peerId: string;
  /** The `acquireTimeoutMs` that ran out. */
  readonly timeoutMs: number;

  constructor(peerId: string, timeoutMs: number, cause?: unknown) {
    super(
      `Timed out after ${timeoutMs} ms waiting for a connection to peer "${peerId}". ${
        cause === undefined ? '' : `The last create failed: ${describe(cause)}. `
      }Release connections you no longer use, raise maxPerPeer, maxPeers or maxTotal, or raise acquireTimeoutMs.`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'AcquireTimeoutError';
    this.peerId = peerId;
    this.timeoutMs = timeoutMs;
  }
}

/** Rejection of an `acquire` made after `drain()` was called. */
export class PoolClosedError extends Error {
  readonly code = 'ERR_POOL_CLOSED' as const;
  /** The peer whose connection was asked for. */
  readonly peerId: string;

  constructor(peerId: string) {
    super(
      `Cannot acquire a connection to peer "${peerId}": the pool has been drained. Create a new PeerPool to acquire again.`,
    );
    this.name = 'PoolClosedError';
    this.peerId = peerId;
  }
}

/**
 * Thrown by `release` and `destroy` for a connection that is not borrowed from that peer of
 * this pool: it was released or destroyed already, or it came from another peer or pool.
 */
export class NotBorrowedError extends Error {
  readonly code = 'ERR_POOL_NOT_BORROWED' as const;
  /** The peer the connection was handed back to. */
  readonly peerId: string;

  constructor(peerId: string) {
    super(
      `This connection is not borrowed from peer "${peerId}": it was already released or destroyed, or it belongs to another peer or pool. Hand each acquired connection back exactly once, to the peer it was acquired from.`,
    );
    this.name = 'NotBorrowedError';
    this.peerId = peerId;
  }
}

/** Reported (in a `createError` event) when `create` did not settle within `createTimeoutMs`. */
export class CreateTimeoutError extends Error {
  readonly code = 'ERR_POOL_CREATE_TIMEOUT' as const;
  readonly peerId: string;
  readonly timeoutMs: number;

  constructor(peerId: string, timeoutMs: number) {
    super(
      `create() for peer "${peerId}" did not settle within ${timeoutMs} ms (createTimeoutMs); a connection it delivers later is destroyed.`,
    );
    this.name = 'CreateTimeoutError';
    this.peerId = peerId;
    this.timeoutMs = timeoutMs;
  }
}

/** Reported (in a `destroyError` event) when `destroy` did not settle within `destroyTimeoutMs`. */
export class DestroyTimeoutError extends Error {
  readonly code = 'ERR_POOL_DESTROY_TIMEOUT' as const;
  readonly peerId: string;
  readonly timeoutMs: number;

  constructor(peerId: string, timeoutMs: number) {
    super(
      `destroy() for peer "${peerId}" did not settle within ${timeoutMs} ms (destroyTimeoutMs); the pool stopped waiting for it.`,
    );
    this.name = 'DestroyTimeoutError';
    this.peerId = peerId;
    this.timeoutMs = timeoutMs;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import {
  type CreateRetryOptions,
  defaultCreateRetry,
  type ResolvedCreateRetry,
} from './backoff.js';
import { type Clock, systemClock } from './clock.js';

/** Options of a {@link PeerPool}. Only `create` and `destroy` are required. */
export interface PeerPoolOptions<Conn extends object> {
  /**
   * Opens a connection to `peerId`. May return the connection or a promise of it; a throw or a
   * rejection is retried with backoff (`createRetry`), never in a tight loop.
   */
  create: (peerId: string) => Conn | Promise<Conn>;
  /**
   * Closes a connection. A throw, a rejection or a hang (see `destroyTimeoutMs`) becomes a
   * `destroyError` event; the caller never sees it.
   */
  destroy: (conn: Conn, peerId: string) => unknown;
  /**
   * Checks an idle connection before it is lent (and, with `testWhileIdle`, while it sits idle).
   * A falsy result, a throw, a rejection or a hang (see `validateTimeoutMs`) destroys that
   * connection and the acquire tries another one.
   * @default undefined (connections are lent without a check)
   */
  validate?: (conn: Conn, peerId: string) => boolean | Promise<boolean>;
  /**
   * Most connections per peer, idle and borrowed together.
   * @default 10
   */
  maxPerPeer?: number;
  /**
   * Connections kept open per peer while the peer is in use, even when idle.
   * @default 0
   */
  minPerPeer?: number;
  /**
   * Most peers with a pool at once. A new peer beyond it closes the pool of the least recently
   * used peer that has nothing borrowed or waiting; while every peer is busy, the acquire waits
   * for one to become idle (within its `acquireTimeoutMs`).
   * @default Infinity
   */
  maxPeers?: number;
  /**
   * Most connections across all peers. At the limit, idle connections of other peers are closed
   * to make room (least recently used peer first); failing that, acquires wait.
   * @default Infinity
   */
  maxTotal?: number;
  /**
   * Longest an `acquire` may take; it then rejects with `AcquireTimeoutError`.
   * @default 10_000
   */
  acquireTimeoutMs?: number;
  /**
   * An idle connection is closed after this long unused (down to `minPerPeer`), and a peer with
   * nothing borrowed or waiting has its whole pool closed after this long unused. 0: never.
   * @default 30_000
   */
  idleTimeoutMs?: number;
  /**
   * How often idle connections and idle peers are looked at.
   * @default the smaller of `idleTimeoutMs` and 5_000
   */
  idleCheckIntervalMs?: number;
  /**
   * Also run `validate` on idle connections at every idle check, so connections that die while
   * idle are closed before anyone borrows them. Needs `validate`.
   * @default false
   */
  testWhileIdle?: boolean;
  /**
   * Lend the longest-idle connection first (`true`) instead of the most recently used (`false`).
   * Most-recent-first keeps a few connections hot and lets the rest idle out.
   * @default false
   */
  fifo?: boolean;
  /**
   * Longest a `create` call may take before it counts as failed; a connection it delivers later
   * is destroyed.
   * @default 30_000
   */
  createTimeoutMs?: number;
  /**
   * Longest a `validate` call may take before the connection counts as invalid.
   * @default 5_000
   */
  validateTimeoutMs?: number;
  /**
   * Longest the pool waits for a `destroy` call (during `drain()` too) before it reports a
   * `destroyError` and moves on.
   * @default 5_000
   */
  destroyTimeoutMs?: number;
  /**
   * Retries of a failing `create`: after a failure, at most one attempt per backoff window.
   * @default { maxAttempts: Infinity, baseDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, jitter: 'full' }
   */
  createRetry?: CreateRetryOptions;
  /**
   * Where the pool reads time and sets its timers; inject a fake one in tests (or use
   * `vi.useFakeTimers()` with the default, which looks the globals up at each call).
   * @default systemClock
   */
  clock?: Clock;
}

/** Options of `PeerPool.drain()`. */
export interface DrainOptions {
  /**
   * How long `drain()` waits for borrowed connections to be released or destroyed. Then it
   * destroys them under their borrowers (whose later `release` or `destroy` of them does
   * nothing) and refuses connections to acquires still waiting, so a leaked connection cannot
   * hold shutdown up for ever. `0`: at once; `Infinity`: wait for every borrower.
   * @default 30_000
   * @example
   * process.once('SIGTERM', () => void pool.drain({ timeoutMs: 5_000 }));
   */
  timeoutMs?: number;
}

export interface ResolvedOptions<Conn extends object> {
  create: (peerId: string) => Conn | Promise<Conn>;
  destroy: (conn: Conn, peerId: string) => unknown;
  validate: ((conn: Conn, peerId: string) => boolean | Promise<boolean>) | undefined;
  maxPerPeer: number;
  minPerPeer: number;
  maxPeers: number;
  maxTotal: number;
  acquireTimeoutMs: number;
  idleTimeoutMs: number;
  idleCheckIntervalMs: number;
  testWhileIdle: boolean;
  fifo: boolean;
  createTimeoutMs: number;
  validateTimeoutMs: number;
  destroyTimeoutMs: number;
  createRetry: ResolvedCreateRetry;
  clock: Clock;
}

// setTimeout fires at once for delays above 2^31 - 1 ms, which would turn a timeout into a spin.
const MAX_TIMER_MS = 2_147_483_647;

export function resolveOptions<Conn extends object>(
  options: PeerPoolOptions<Conn>,
): ResolvedOptions<Conn> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('PeerPool options must be an object with at least create and destroy.');
  }
  const { create, destroy, validate } = options;
  if (typeof create !== 'function') {
    throw new TypeError('options.create must be a function (peerId) => connection.');
  }
  if (typeof destroy !== 'function') {
    throw new TypeError('options.destroy must be a function (connection, peerId) => void.');
  }
  if (validate !== undefined && typeof validate !== 'function') {
    throw new TypeError('options.validate must be a function (connection, peerId) => boolean.');
  }
  const maxPerPeer = integer('maxPerPeer', options.maxPerPeer, 10, 1);
  const minPerPeer = integer('minPerPeer', options.minPerPeer, 0, 0);
  if (minPerPeer > maxPerPeer) {
    throw new RangeError(
      `options.minPerPeer (${minPerPeer}) must not exceed options.maxPerPeer (${maxPerPeer}).`,
    );
  }
  const idleTimeoutMs = duration('idleTimeoutMs', options.idleTimeoutMs, 30_000, 0);
  const testWhileIdle = flag('testWhileIdle', options.testWhileIdle, false);
  if (testWhileIdle && validate === undefined) {
    throw new TypeError('options.testWhileIdle needs options.validate to check idle connections.');
  }
  const defaultInterval = idleTimeoutMs > 0 ? Math.min(idleTimeoutMs, 5_000) : 5_000;
  return {
    create,
    destroy,
    validate,
    maxPerPeer,
    minPerPeer,
    maxPeers: integer('maxPeers', options.maxPeers, Number.POSITIVE_INFINITY, 1),
    maxTotal: integer('maxTotal', options.maxTotal, Number.POSITIVE_INFINITY, 1),
    acquireTimeoutMs: duration('acquireTimeoutMs', options.acquireTimeoutMs, 10_000, 1),
    idleTimeoutMs,
    idleCheckIntervalMs: duration(
      'idleCheckIntervalMs',
      options.idleCheckIntervalMs,
      defaultInterval,
      1,
    ),
    testWhileIdle,
    fifo: flag('fifo', options.fifo, false),
    createTimeoutMs: duration('createTimeoutMs', options.createTimeoutMs, 30_000, 1),
    validateTimeoutMs: duration('validateTimeoutMs', options.validateTimeoutMs, 5_000, 1),
    destroyTimeoutMs: duration('destroyTimeoutMs', options.destroyTimeoutMs, 5_000, 1),
    createRetry: resolveCreateRetry(options.createRetry),
    clock: resolveClock(options.clock),
  };
}

function resolveClock(clock: Clock | undefined): Clock {
  if (clock === undefined) return systemClock;
  if (
    clock === null ||
    typeof clock !== 'object' ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new TypeError(
      'options.clock must be an object with now(), setTimeout(callback, ms) and clearTimeout(handle).',
    );
  }
  return clock;
}

function resolveCreateRetry(retry: CreateRetryOptions | undefined): ResolvedCreateRetry {
  if (retry === undefined) return defaultCreateRetry;
  if (retry === null || typeof retry !== 'object') {
    throw new TypeError('options.createRetry must be an object.');
  }
  const d = defaultCreateRetry;
  // A zero base delay would be exactly the spin this option exists to prevent.
  const baseDelayMs = duration('createRetry.baseDelayMs', retry.baseDelayMs, d.baseDelayMs, 1);
  const maxDelayMs = duration(
    'createRetry.maxDelayMs',
    retry.maxDelayMs,
    d.maxDelayMs,
    baseDelayMs,
  );
  const multiplier = retry.multiplier ?? d.multiplier;
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1) {
    throw new RangeError(
      `options.createRetry.multiplier must be a number >= 1, got ${multiplier}.`,
    );
  }
  const jitter = retry.jitter ?? d.jitter;
  if (jitter !== 'full' && jitter !== 'none') {
    throw new RangeError(
      `options.createRetry.jitter must be 'full' or 'none', got ${JSON.stringify(jitter)}.`,
    );
  }
  const maxAttempts = integer('createRetry.maxAttempts', retry.maxAttempts, d.maxAttempts, 1);
  const { retryOn } = retry;
  if (retryOn !== undefined && typeof retryOn !== 'function') {
    throw new TypeError(
      'options.createRetry.retryOn must be a function (error, attempt) => boolean.',
    );
  }
  return { maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, retryOn };
}

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !(Number.isInteger(value) || value === Number.POSITIVE_INFINITY) ||
    value < min ||
    (fallback !== Number.POSITIVE_INFINITY && value === Number.POSITIVE_INFINITY)
  ) {
    throw new RangeError(`options.${name} must be an integer >= ${min}, got ${String(value)}.`);
  }
  return value;
}

function duration(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    throw new RangeError(
      `options.${name} must be a finite number of milliseconds between ${min} and ${MAX_TIMER_MS}, got ${String(value)}.`,
    );
  }
  return value;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`options.${name} must be a boolean, got ${typeof value}.`);
  }
  return value;
}

/** The `timeoutMs` of a `drain()` call: a number of ms >= 0 that a timer can hold, or Infinity. */
export function resolveDrainTimeout(options: DrainOptions | undefined): number {
  if (options === undefined) return 30_000;
  if (options === null || typeof options !== 'object') {
    throw new TypeError('drain(options): options must be an object like { timeoutMs: 5_000 }.');
  }
  const { timeoutMs } = options;
  if (timeoutMs === undefined) return 30_000;
  if (timeoutMs === Number.POSITIVE_INFINITY) return timeoutMs;
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isFinite(timeoutMs) ||
    timeoutMs < 0 ||
    timeoutMs > MAX_TIMER_MS
  ) {
    throw new RangeError(
      `drain(options): options.timeoutMs must be Infinity or a number of milliseconds between 0 and ${MAX_TIMER_MS}, got ${String(timeoutMs)}.`,
    );
  }
  return timeoutMs;
}

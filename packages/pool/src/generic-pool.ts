import genericPool from 'generic-pool';
import { withTimeout } from './timers.js';

// generic-pool's bundled types declare neither its Pool constructor (which takes the evictor
// class we need to plug in) nor Deque/PriorityQueue; this is the part of it we rely on.

/** generic-pool's per-resource record, as its evictor sees it. */
export interface PooledResource<T> {
  readonly obj: T;
  /** `Date.now()` when the resource last became idle. */
  readonly lastIdleTime: number;
}

export interface Evictor<T> {
  evict(config: unknown, resource: PooledResource<T>, availableCount: number): boolean;
}

export interface Factory<T> {
  create(): Promise<T>;
  destroy(resource: T): Promise<void>;
  validate?(resource: T): Promise<boolean>;
}

export interface PoolConfig {
  max: number;
  min: number;
  acquireTimeoutMillis: number;
  testOnBorrow: boolean;
  fifo: boolean;
  autostart: boolean;
  evictionRunIntervalMillis: number;
  numTestsPerEvictionRun: number;
  softIdleTimeoutMillis: number;
  idleTimeoutMillis: number;
}

export interface GenericPool<T> {
  readonly size: number;
  readonly available: number;
  readonly borrowed: number;
  readonly pending: number;
  start(): void;
  acquire(): Promise<T>;
  release(resource: T): Promise<void>;
  destroy(resource: T): Promise<void>;
  drain(): Promise<void>;
  clear(): Promise<void>;
  isBorrowedResource(resource: T): boolean;
}

interface GenericPoolModule {
  Pool: new <T>(
    evictor: new () => Evictor<T>,
    deque: unknown,
    priorityQueue: unknown,
    factory: Factory<T>,
    config: PoolConfig,
  ) => GenericPool<T>;
  Deque: unknown;
  PriorityQueue: unknown;
}

const gp = genericPool as unknown as GenericPoolModule;

export function createGenericPool<T>(
  evictor: new () => Evictor<T>,
  factory: Factory<T>,
  config: PoolConfig,
): GenericPool<T> {
  return new gp.Pool<T>(evictor, gp.Deque, gp.PriorityQueue, factory, config);
}

interface PoolInternals {
  _config?: { acquireTimeoutMillis?: number | undefined };
  _resourceLoans?: unknown;
}

/**
 * The resources lent out right now. generic-pool keeps them in its loans map (the one its
 * `isBorrowedResource` reads) and has no public way to list them; a test guards the shape.
 */
export function borrowedResources<T>(pool: GenericPool<T>): T[] {
  const loans = (pool as PoolInternals)._resourceLoans;
  return loans instanceof Map ? [...(loans.keys() as Iterable<T>)] : [];
}

/**
 * Acquires an idle resource that generic-pool will hand out synchronously (call it only when
 * one is available, nobody waits and there is no validation), without the acquire-timeout timer
 * generic-pool would arm and disarm at once: that timer is most of the cost of a hit. generic-pool reads the timeout per
 * acquire from its config, so it is lifted for this one call.
 *
 * Sound if generic-pool's internals change: without a `_config` holding our `timeoutMs`, this is
 * a plain acquire (with its timer); and if generic-pool did not lend at once (the request is
 * still queued, without a timer), the acquire is bounded here instead, and a connection it gets
 * after that goes back to the pool. Tests guard both.
 */
export function acquireIdle<T>(pool: GenericPool<T>, timeoutMs: number): Promise<T> {
  const config = (pool as PoolInternals)._config;
  if (config === undefined || config.acquireTimeoutMillis !== timeoutMs) return pool.acquire();
  let acquired: Promise<T>;
  config.acquireTimeoutMillis = undefined;
  try {
    acquired = pool.acquire();
  } finally {
    config.acquireTimeoutMillis = timeoutMs;
  }
  if (pool.pending === 0) return acquired;
  return withTimeout(
    acquired,
    timeoutMs,
    () => new GenericPoolTimeoutError(),
    (late) => {
      void pool.release(late);
    },
  );
}

/** Stands in for generic-pool's own TimeoutError (same name), which it does not export. */
class GenericPoolTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor() {
    super('ResourceRequest timed out');
  }
}

/** generic-pool rejects a timed-out acquire with its own `TimeoutError`. */
export function isGenericPoolTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

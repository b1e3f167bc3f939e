import genericPool from 'generic-pool';

// generic-pool's bundled types declare neither its Pool constructor (which takes the evictor,
// deque and queue classes we plug in) nor Deque/PriorityQueue; this is the part of it we rely
// on. Plugging in those classes is how the pool keeps generic-pool off the global timers: it
// is given no acquire timeout and runs no evictor timer of its own; the pool times waiting
// requests and drives eviction runs through its clock instead.

/** generic-pool's per-resource record, as its evictor and its deque of idle resources see it. */
export type PooledResource<T> = { readonly obj: T };

/** generic-pool's record of one waiting `acquire()`: a deferred promise. */
export interface ResourceRequest {
  /** `'PENDING'`, `'FULFILLED'` or `'REJECTED'`; set synchronously when it settles. */
  readonly state: string;
  reject(reason: unknown): void;
}

export const REQUEST_PENDING = 'PENDING';
export const REQUEST_FULFILLED = 'FULFILLED';

export interface Factory<T> {
  create(): Promise<T>;
  destroy(resource: T): Promise<void>;
  validate?(resource: T): Promise<boolean>;
}

export interface PoolConfig {
  max: number;
  min: number;
  testOnBorrow: boolean;
  fifo: boolean;
  autostart: boolean;
  /** Used only if generic-pool's `_evict` is gone (see {@link canRunEviction}). */
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

/** What the pool hears from inside one generic-pool. */
export interface GenericPoolHooks<T> {
  /** Its evictor: whether an idle resource should be destroyed now. */
  evict(resource: PooledResource<T>): boolean;
  /** A resource became idle (created, released, or put back). */
  idled(resource: PooledResource<T>): void;
  /** An `acquire()` was queued (every acquire is, even one lent at once). */
  queued(request: ResourceRequest): void;
}

type DequeClass = new () => { push(item: unknown): void; unshift(item: unknown): void };
type PriorityQueueClass = new (
  size: number,
) => {
  enqueue(item: unknown, priority?: number): void;
};

interface GenericPoolModule {
  Pool: new <T>(
    evictor: new () => { evict(config: unknown, resource: PooledResource<T>): boolean },
    deque: DequeClass,
    priorityQueue: PriorityQueueClass,
    factory: Factory<T>,
    config: PoolConfig,
  ) => GenericPool<T>;
  Deque: DequeClass;
  PriorityQueue: PriorityQueueClass;
}

const gp = genericPool as unknown as GenericPoolModule;

interface PoolInternals {
  _evict?: () => void;
  _resourceLoans?: unknown;
}

/**
 * Whether the pool can run generic-pool's eviction pass itself (its internal `_evict`), on its
 * own clock. If a generic-pool version drops it, generic-pool's own evictor timer (global, and
 * unref'd) runs the same pass instead. A test guards this.
 */
export const canRunEviction = typeof (gp.Pool.prototype as PoolInternals)._evict === 'function';

// One class each for every peer (not a class per pool): generic-pool's hot paths then see one
// shape, not one per peer. generic-pool constructs them without arguments, synchronously inside
// its constructor, so each instance takes the hooks of the pool being constructed.
let constructing: GenericPoolHooks<unknown> | undefined;

function hooksOfPoolBeingBuilt(): GenericPoolHooks<unknown> {
  if (constructing === undefined)
    throw new Error('generic-pool built its parts outside new Pool()');
  return constructing;
}

class Evictor {
  readonly #hooks = hooksOfPoolBeingBuilt();
  evict(_config: unknown, resource: PooledResource<unknown>): boolean {
    return this.#hooks.evict(resource);
  }
}

class IdleResources extends gp.Deque {
  readonly #hooks = hooksOfPoolBeingBuilt();
  override push(resource: unknown): void {
    this.#hooks.idled(resource as PooledResource<unknown>);
    super.push(resource);
  }
  override unshift(resource: unknown): void {
    this.#hooks.idled(resource as PooledResource<unknown>);
    super.unshift(resource);
  }
}

class WaitingRequests extends gp.PriorityQueue {
  readonly #hooks = hooksOfPoolBeingBuilt();
  override enqueue(request: unknown, priority?: number): void {
    super.enqueue(request, priority);
    this.#hooks.queued(request as ResourceRequest);
  }
}

export function createGenericPool<T>(
  hooks: GenericPoolHooks<T>,
  factory: Factory<T>,
  config: PoolConfig,
): GenericPool<T> {
  constructing = hooks as GenericPoolHooks<unknown>;
  try {
    return new gp.Pool<T>(Evictor, IdleResources, WaitingRequests, factory, {
      ...config,
      evictionRunIntervalMillis: canRunEviction ? 0 : config.evictionRunIntervalMillis,
    });
  } finally {
    constructing = undefined;
  }
}

/** One eviction pass over `pool`'s idle resources (a no-op without `_evict`). */
export function runEviction<T>(pool: GenericPool<T>): void {
  (pool as PoolInternals)._evict?.();
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
 * Ends a waiting request: its `acquire()` rejects with this, carrying `reason`. The name is
 * generic-pool's own timeout error's, the one its queue drops a rejected request for (any other
 * rejection would leave the request counted in `pending`).
 */
export class RequestCancelled extends Error {
  override readonly name = 'TimeoutError';
  readonly reason: unknown;
  constructor(reason: unknown) {
    super('ResourceRequest cancelled');
    this.reason = reason;
  }
}

export function cancelRequest(request: ResourceRequest, reason: unknown): void {
  request.reject(new RequestCancelled(reason));
}

import genericPool from 'generic-pool';

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

/** generic-pool rejects a timed-out acquire with its own `TimeoutError`. */
export function isGenericPoolTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

// Every public export is named here explicitly.
export type { CreateRetryOptions } from './backoff.js';
export {
  AcquireTimeoutError,
  CreateTimeoutError,
  DestroyTimeoutError,
  NotBorrowedError,
  PoolClosedError,
} from './errors.js';
export type { Disposable, PeerEvictionReason, PeerPoolEvents } from './events.js';
export type { DrainOptions, PeerPoolOptions } from './options.js';
export { PeerPool } from './peer-pool.js';
export type { Counters, PeerStats, PoolStats } from './stats.js';

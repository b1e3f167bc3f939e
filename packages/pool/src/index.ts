// Every public export is named here explicitly.
export type { CreateRetryOptions } from './backoff.js';
export type { Clock, TimerHandle } from './clock.js';
export { systemClock } from './clock.js';
export type { CreateFailedReason, PoolErrorByCode, PoolErrorCode } from './errors.js';
export {
  AcquireTimeoutError,
  CreateFailedError,
  CreateTimeoutError,
  DestroyTimeoutError,
  isPoolError,
  NotBorrowedError,
  PoolClosedError,
  PoolError,
} from './errors.js';
export type { Disposable, PeerEvictionReason, PeerPoolEvents } from './events.js';
export type { DrainOptions, PeerPoolOptions } from './options.js';
export { PeerPool } from './peer-pool.js';
export type { Counters, PeerStats, PoolStats } from './stats.js';

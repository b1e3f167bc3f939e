// Every public export is named here explicitly.

export { Cache } from './cache.js';
export { cacheKey } from './cache-key.js';
export type {
  CacheOptions,
  CacheSetOptions,
  CacheStats,
  TierErrorContext,
  TierStats,
  WrapOptions,
} from './cache-options.js';
export type { Clock, TimerHandle } from './clock.js';
export { systemClock } from './clock.js';
export type { DiskReset } from './disk-recovery.js';
export { DiskStore } from './disk-store.js';
export type { DiskEntry, DiskStoreOptions, DiskStoreStats } from './disk-store-options.js';
export type { CacheErrorCode } from './errors.js';
export {
  CacheError,
  InvalidKeyError,
  InvalidTtlError,
  isCacheError,
  StoreClosedError,
  TierTimeoutError,
  UnserializableValueError,
} from './errors.js';
export type {
  EvictionPolicy,
  EvictionReason,
  MemoryCacheOptions,
  MemoryCacheStats,
  MemoryGetOptions,
  MemorySetOptions,
} from './memory-cache.js';
export { MemoryCache } from './memory-cache.js';
export { MemoryKeyvAdapter } from './memory-keyv-adapter.js';
export { estimateBytes } from './size-of.js';
export type { TierStore } from './tier.js';

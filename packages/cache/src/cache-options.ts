import type { Clock } from './clock.js';
import type { MemoryCache, MemoryCacheOptions } from './memory-cache.js';
import type { TierStore } from './tier.js';

export interface CacheOptions {
  /**
   * The first tier: a MemoryCache, options for one, or `false` for none.
   * @default new MemoryCache({ max: 10_000 })
   */
  memory?: MemoryCache | MemoryCacheOptions<unknown> | false;
  /**
   * Lower tiers, read in order after memory: DiskStore, a Keyv instance, or any Keyv storage
   * adapter (`new KeyvRedis(url)`).
   * @default []
   */
  stores?: TierStore[];
  /**
   * Default time to live in ms; 0 means entries never expire.
   * @default 0
   */
  ttl?: number;
  /**
   * How long after its TTL `wrap()` may still return an entry while it refreshes it, once, in
   * the background. `get()` never returns stale entries.
   * @default 0
   */
  staleWhileRevalidateMs?: number;
  /**
   * Keyv namespace (key prefix) used for bare Keyv adapters, so several caches can share one Redis.
   * @default 'x-cache'
   */
  namespace?: string;
  /**
   * A lower-tier operation slower than this counts as failed: a miss plus an error event.
   * @default 1_000
   */
  tierTimeoutMs?: number;
  /**
   * Time source for TTL and staleness decisions, and the timers of `tierTimeoutMs` (ref'd while
   * the call they guard is awaited, cleared when it settles). Also given to the memory tier
   * the cache creates.
   * @default systemClock
   */
  clock?: Clock;
}

export interface CacheSetOptions {
  /** Time to live in ms; 0 means never expires. @default the cache's `ttl` */
  ttl?: number;
}

export interface WrapOptions extends CacheSetOptions {
  /**
   * When `fn` fails, remember the error for this many ms and rethrow it without calling `fn`.
   * @default 0 (errors are not cached)
   */
  errorTtl?: number;
}

export interface TierStats {
  name: string;
  hits: number;
  misses: number;
  errors: number;
  /** Entries held, when the store can tell. */
  size?: number;
  evictions?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  hitRate: number;
  sets: number;
  deletes: number;
  errors: number;
  refreshes: number;
  inflight: number;
  tiers: TierStats[];
}

/** Context of an `'error'` event: which tier failed, doing what. */
export interface TierErrorContext {
  tier: string;
  operation: 'get' | 'set' | 'delete' | 'clear' | 'close' | 'refresh';
  key?: string;
}

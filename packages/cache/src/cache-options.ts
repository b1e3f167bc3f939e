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
  /**
   * Writes to the lower tiers (disk, Keyv) behind the answer: `set()` (and the store of a
   * `wrap()` loader's result) resolves once memory has the value; the lower-tier writes are
   * queued, latest value per key, and written in one batch per turn of the event loop, never
   * awaited by the caller. Reads of a key still queued are served from the queue (memory serves
   * them first anyway). The queue holds at most `maxPending` keys: a write that finds it full is
   * dropped (that key lives in memory only) and counted in `stats().writeBehind.dropped`.
   * Failures are `'error'` events as usual; `flush()` waits for the queue, and `close()` writes
   * it out before closing the tiers. `true` means `{ maxPending: 10_000 }`.
   * @default false (every write awaits every tier)
   */
  writeBehind?: boolean | { maxPending?: number };
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
  /** With the `writeBehind` option (and a lower tier): the queue's figures. */
  writeBehind?: { pending: number; written: number; dropped: number };
}

/** Context of an `'error'` event: which tier failed, doing what. */
export interface TierErrorContext {
  tier: string;
  operation: 'get' | 'set' | 'delete' | 'clear' | 'close' | 'refresh';
  key?: string;
}

import { LRUCache } from 'lru-cache';
import { assertClock, type Clock } from './clock.js';
import { InvalidKeyError } from './errors.js';
import { FrequencySketch } from './frequency-sketch.js';
import { estimateBytes } from './size-of.js';
import { assertKey, assertNonNegativeInteger, normalizeTtl } from './validate.js';

/** Why an entry left the cache: pushed out by a bound, outlived its TTL, removed, or overwritten. */
export type EvictionReason = 'evict' | 'expire' | 'delete' | 'replace';

/**
 * `'lru'` evicts the least recently used entry. `'lfu'` keeps that order but adds TinyLFU
 * admission (Caffeine's design): once the cache is full, a new key is admitted only if it has been
 * asked for more often, recently, than the entry it would evict — which protects popular
 * entries from one-off keys and scans.
 */
export type EvictionPolicy = 'lru' | 'lfu';

export interface MemoryCacheOptions<V> {
  /**
   * Maximum number of entries.
   * @default 10_000 when `maxSize` is not set either
   */
  max?: number;
  /**
   * Maximum total size, in the unit `sizeOf` returns (bytes by default).
   * @default 0 (no size bound)
   */
  maxSize?: number;
  /**
   * Size of one entry for `maxSize`.
   * @default estimateBytes (UTF-16 length of strings, byte length of binary, JSON estimate otherwise)
   */
  sizeOf?: (value: V, key: string) => number;
  /**
   * Default time to live of an entry in ms; 0 means entries never expire.
   * @default 0
   */
  ttl?: number;
  /**
   * How long after its TTL an entry may still be served by `fetch()` (which then refreshes it
   * once in the background) or by `get(key, { allowStale: true })`.
   * @default 0 (expired entries are never served)
   */
  staleWhileRevalidateMs?: number;
  /** @default 'lru' */
  policy?: EvictionPolicy;
  /** Called whenever an entry leaves the cache, with the reason. Must not throw. */
  onEvict?: (key: string, value: V, reason: EvictionReason) => void;
  /**
   * Time source for TTLs. When given, every expiry check reads its `now()` (no 1 ms time
   * caching); `MemoryCache` sets no timers of its own.
   * @default lru-cache's own clock (`performance.now()`, cached for 1 ms by an unref'd timer)
   */
  clock?: Clock;
}

export interface MemorySetOptions {
  /** Time to live of this entry in ms; 0 means it never expires. @default the cache's `ttl` */
  ttl?: number;
}

export interface MemoryGetOptions {
  /** Also return an entry that is past its TTL but inside the stale window. @default false */
  allowStale?: boolean;
}

export interface MemoryCacheStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 before the first read. */
  hitRate: number;
  sets: number;
  evictions: number;
  expirations: number;
  /** New keys turned away by the `'lfu'` admission policy. */
  rejections: number;
  refreshes: number;
  refreshErrors: number;
  size: number;
  /** Total size by `sizeOf`, 0 without `maxSize`. */
  calculatedSize: number;
  max: number;
  maxSize: number;
}

const REASONS: Record<string, EvictionReason> = {
  evict: 'evict',
  expire: 'expire',
  delete: 'delete',
  set: 'replace',
};

/**
 * A synchronous LRU (or TinyLFU-admitted) cache with TTL, on lru-cache. It holds values by
 * reference and never serialises them.
 */
export class MemoryCache<V = unknown> {
  readonly #lru: LRUCache<string, {}>;
  readonly #staleMs: number;
  readonly #max: number;
  readonly #maxSize: number;
  readonly #sketch: FrequencySketch | undefined;
  readonly #inflight = new Map<string, Promise<V>>();
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #evictions = 0;
  #expirations = 0;
  #rejections = 0;
  #refreshes = 0;
  #refreshErrors = 0;

  constructor(options: MemoryCacheOptions<V> = {}) {
    const { maxSize = 0, staleWhileRevalidateMs = 0, policy = 'lru', onEvict, clock } = options;
    const max = options.max ?? (maxSize > 0 ? 0 : 10_000);
    assertNonNegativeInteger(max, 'max');
    assertNonNegativeInteger(maxSize, 'maxSize');
    assertNonNegativeInteger(staleWhileRevalidateMs, 'staleWhileRevalidateMs');
    if (max === 0 && maxSize === 0) throw new RangeError('max or maxSize must be > 0.');
    if (policy !== 'lru' && policy !== 'lfu') {
      throw new TypeError(`policy must be 'lru' or 'lfu', got ${String(policy)}.`);
    }
    if (policy === 'lfu' && max === 0) throw new RangeError("policy 'lfu' needs max > 0.");
    if (clock !== undefined) assertClock(clock);
    const sizeOf = options.sizeOf ?? estimateBytes;
    if (typeof sizeOf !== 'function') throw new TypeError('sizeOf must be a function.');
    const ttl = normalizeTtl(options.ttl) ?? 0;
    this.#staleMs = staleWhileRevalidateMs;
    this.#max = max;
    this.#maxSize = maxSize;
    this.#sketch = policy === 'lfu' ? new FrequencySketch(max) : undefined;
    const lruOptions = {
      ...(max > 0 ? { max } : {}),
      ...(maxSize > 0
        ? {
            maxSize,
            sizeCalculation: (v: {}, k: string) => Math.max(1, Math.ceil(sizeOf(v as V, k))),
          }
        : {}),
      ...(ttl > 0 ? { ttl: ttl + staleWhileRevalidateMs } : {}),
      ...(clock ? { perf: { now: () => clock.now() }, ttlResolution: 0 } : {}),
      dispose: (value: {}, key: string, reason: LRUCache.DisposeReason) => {
        if (reason === 'evict') this.#evictions++;
        else if (reason === 'expire') this.#expirations++;
        onEvict?.(key, value as V, REASONS[reason] ?? 'delete');
      },
    } as LRUCache.Options<string, {}, unknown>;
    this.#lru = new LRUCache<string, {}>(lruOptions);
  }

  /** Number of entries, including expired ones not yet purged. */
  get size(): number {
    return this.#lru.size;
  }

  /** The value if present and fresh (or stale with `allowStale`); updates recency and stats. */
  get(key: string, options?: MemoryGetOptions): V | undefined {
    // The hot path of the whole project: one type check, one lookup, one counter.
    if (typeof key !== 'string') throw new InvalidKeyError(key);
    if (this.#sketch !== undefined) this.#sketch.increment(FrequencySketch.hash(key));
    const value = this.#lru.get(key);
    if (
      value !== undefined &&
      (this.#staleMs === 0 || options?.allowStale === true || !this.isStale(key))
    ) {
      this.#hits++;
      return value as V;
    }
    this.#misses++;
    return undefined;
  }

  /** The value without touching recency, frequency or stats. */
  peek(key: string): V | undefined {
    assertKey(key);
    return this.#lru.peek(key) as V | undefined;
  }

  /** Whether a fresh entry exists, without touching recency. */
  has(key: string): boolean {
    assertKey(key);
    return this.#lru.has(key) && !(this.#staleMs > 0 && this.isStale(key));
  }

  /** Whether the entry is past its TTL but still inside the stale window. */
  isStale(key: string): boolean {
    const remaining = this.#lru.getRemainingTTL(key);
    return remaining !== Number.POSITIVE_INFINITY && remaining < this.#staleMs;
  }

  /**
   * Stores a value. Returns false when the `'lfu'` policy turned a new key away.
   * A value of `undefined` deletes the key.
   */
  set(key: string, value: V, options?: MemorySetOptions): boolean {
    if (typeof key !== 'string') throw new InvalidKeyError(key);
    const ttl = options === undefined ? undefined : normalizeTtl(options.ttl);
    if (this.#sketch !== undefined) {
      const hash = FrequencySketch.hash(key);
      this.#sketch.increment(hash);
      if (this.#lru.size >= this.#max && !this.#lru.has(key) && !this.#admit(hash)) {
        this.#rejections++;
        return false;
      }
    }
    this.#sets++;
    if (ttl === undefined) this.#lru.set(key, value as {});
    else this.#lru.set(key, value as {}, { ttl: ttl === 0 ? 0 : ttl + this.#staleMs });
    return true;
  }

  #admit(candidateHash: number): boolean {
    const victim = this.#lru.rkeys().next().value;
    if (victim === undefined) return true;
    // Caffeine admits on a strictly higher estimate: ties favour the resident entry.
    return (
      this.#sketch!.estimate(candidateHash) > this.#sketch!.estimate(FrequencySketch.hash(victim))
    );
  }

  delete(key: string): boolean {
    assertKey(key);
    return this.#lru.delete(key);
  }

  clear(): void {
    this.#lru.clear();
  }

  /** Milliseconds until the entry goes stale: Infinity without TTL, 0 when absent or expired. */
  getRemainingTtl(key: string): number {
    assertKey(key);
    const remaining = this.#lru.getRemainingTTL(key);
    if (remaining === Number.POSITIVE_INFINITY) return remaining;
    return Math.max(0, remaining - this.#staleMs);
  }

  /** Removes every expired entry now (they are otherwise dropped when read or pushed out). */
  purgeStale(): number {
    const before = this.#expirations;
    this.#lru.purgeStale();
    return this.#expirations - before;
  }

  /** Keys from most to least recently used, fresh or stale. */
  keys(): IterableIterator<string> {
    return this.#lru.keys();
  }

  /**
   * Returns the cached value, or runs `loader` once for all concurrent callers of a missing key
   * and caches its result. A stale entry is returned at once and refreshed once in the
   * background; if that refresh fails, the stale value stays until the stale window ends.
   */
  async fetch(
    key: string,
    loader: (key: string) => V | Promise<V>,
    options?: MemorySetOptions,
  ): Promise<V> {
    const value = this.get(key, { allowStale: true });
    if (value !== undefined) {
      if (this.#staleMs > 0 && this.isStale(key) && !this.#inflight.has(key)) {
        this.#refreshes++;
        this.#load(key, loader, options).catch(() => {
          this.#refreshErrors++;
        });
      }
      return value;
    }
    return this.#inflight.get(key) ?? this.#load(key, loader, options);
  }

  #load(key: string, loader: (key: string) => V | Promise<V>, options?: MemorySetOptions) {
    // Starting from a resolved promise turns a loader that throws synchronously into a rejection.
    const promise = Promise.resolve(key)
      .then(loader)
      .then((value) => {
        this.set(key, value, options);
        return value;
      });
    this.#inflight.set(key, promise);
    const forget = () => {
      if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  stats(): MemoryCacheStats {
    const reads = this.#hits + this.#misses;
    return {
      hits: this.#hits,
      misses: this.#misses,
      hitRate: reads === 0 ? 0 : this.#hits / reads,
      sets: this.#sets,
      evictions: this.#evictions,
      expirations: this.#expirations,
      rejections: this.#rejections,
      refreshes: this.#refreshes,
      refreshErrors: this.#refreshErrors,
      size: this.#lru.size,
      calculatedSize: this.#lru.calculatedSize ?? 0,
      max: this.#max,
      maxSize: this.#maxSize,
    };
  }
}

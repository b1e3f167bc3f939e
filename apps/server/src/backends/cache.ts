import { Cache, type CacheOptions, cacheKey, DiskStore } from '@x/cache';
import type { ResultCache, ResultCacheFigures } from './types.js';

export interface TieredResultCacheOptions {
  /** Entries kept in memory (`cache.memoryMaxEntries`). */
  memoryMaxEntries: number;
  /** Directory of the disk tier; no disk tier when undefined. @default undefined */
  diskDir?: string;
  /** Size bound of the disk tier (`cache.diskMaxBytes`). */
  diskMaxBytes: number;
  /**
   * Shared tiers below memory and disk, e.g. `new KeyvRedis(url)`: what one instance caches,
   * every instance on the same store (and `namespace`) finds. @default []
   */
  sharedStores?: NonNullable<CacheOptions['stores']>;
  /** Key prefix in shared (Keyv) tiers (`cache.namespace`). */
  namespace: string;
  /**
   * Hears why the disk tier is off when its directory cannot be created or opened (a read-only
   * working directory, a path under a file): the cache then runs without it. @default ignore
   */
  onWarning?: (message: string) => void;
  /**
   * How many keys may wait to be written to the lower tiers; a write that finds the queue full
   * is dropped (the result stays in memory) and counted as `droppedWrites`. @default 10_000
   */
  writeBehindMaxPending?: number;
}

/**
 * The disk tier, or `undefined` with a warning when its directory cannot be created or opened:
 * a cache that cannot keep results on disk still serves from memory (and the shared tiers).
 */
function openDiskStore(options: TieredResultCacheOptions): DiskStore | undefined {
  const dir = options.diskDir;
  if (dir === undefined) return undefined;
  try {
    return new DiskStore({ dir, maxBytes: options.diskMaxBytes });
  } catch (error) {
    options.onWarning?.(
      `the disk cache tier is off: cannot use ${dir} (${(error as Error).message}). Results are cached in memory only; set cache.dir (X_SERVER_CACHE_DIR) to a writable folder, or cache.disk to false.`,
    );
    return undefined;
  }
}

/**
 * `@x/cache` with a memory tier and, optionally, a disk tier, keyed by
 * `cacheKey(category + '.' + tool, params)` so param order never splits entries.
 */
export class TieredResultCache implements ResultCache {
  readonly #cache: Cache;
  #errors = 0;

  constructor(options: TieredResultCacheOptions) {
    const disk = openDiskStore(options);
    const stores: NonNullable<CacheOptions['stores']> = disk ? [disk] : [];
    stores.push(...(options.sharedStores ?? []));
    // The disk and shared tiers are written behind the answer: a call waits for memory only,
    // and the tiers get one batch per turn of the event loop (drops counted in stats).
    this.#cache = new Cache({
      memory: { max: options.memoryMaxEntries },
      stores,
      namespace: options.namespace,
      writeBehind: { maxPending: options.writeBehindMaxPending ?? 10_000 },
    });
    // A failing disk tier is a miss, never a failed call; count it for server_stats.
    this.#cache.on('error', () => {
      this.#errors++;
    });
  }

  key(category: string, tool: string, params: unknown): string {
    return cacheKey(`${category}.${tool}`, params);
  }

  get(key: string): Promise<{ value: unknown } | undefined> {
    return this.#cache.get<{ value: unknown }>(key);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.#cache.set(key, { value }, { ttl: ttlMs });
  }

  /**
   * Figures for `server_stats`; `tiers` names the tiers in use (`['memory', 'disk']`);
   * `pendingWrites` and `droppedWrites` are the lower-tier writes queued behind the answers and
   * those dropped because the queue was full.
   */
  stats(): ResultCacheFigures & {
    tierErrors: number;
    sets: number;
    tiers: string[];
    pendingWrites: number;
    droppedWrites: number;
    /** Hits and misses of each tier, top first (a lower tier is read only on a miss above). */
    tierHits: { name: string; hits: number; misses: number }[];
  } {
    const stats = this.#cache.stats();
    return {
      hits: stats.hits,
      misses: stats.misses,
      hitRate: stats.hitRate,
      sets: stats.sets,
      tierErrors: this.#errors,
      tiers: stats.tiers.map((tier) => tier.name),
      pendingWrites: stats.writeBehind?.pending ?? 0,
      droppedWrites: stats.writeBehind?.dropped ?? 0,
      tierHits: stats.tiers.map(({ name, hits, misses }) => ({ name, hits, misses })),
    };
  }

  close(): Promise<void> {
    return this.#cache.close();
  }
}

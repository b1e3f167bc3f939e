import type { Clock } from './clock.js';

export interface DiskStoreOptions {
  /** Directory of the store; created if missing. Several processes may open the same one. */
  dir: string;
  /**
   * Upper bound of the stored bytes (keys + encoded values). Past it, the least recently used
   * entries are evicted down to 90% of it.
   * @default 1 GiB
   */
  maxBytes?: number;
  /**
   * Upper bound of the number of entries, enforced like `maxBytes`; 0 means no entry bound.
   * @default 0
   */
  maxEntries?: number;
  /**
   * Default time to live in ms when `set` gets none; 0 means never expires.
   * @default 0
   */
  ttl?: number;
  /**
   * How often expired entries are swept from disk (and read times persisted); 0 turns the timer
   * off (call `sweep()` yourself). The timer is unref'd.
   * @default 60_000
   */
  sweepIntervalMs?: number;
  /**
   * Reads update the LRU order in memory and persist it in one write at most this often, so a
   * read never costs a write transaction.
   * @default 1_000
   */
  accessFlushIntervalMs?: number;
  /**
   * Flush each commit to the disk (fsync, overlapped with the next transaction). With `true`,
   * committed writes survive a power loss or OS crash too; with `false`, writes are several times
   * faster one at a time and still survive any process crash, SIGKILL included (the OS keeps
   * them), but an OS crash or power loss may lose recent writes or damage the file: use it when
   * the directory can be deleted after a machine crash. The first instance to open a directory
   * in a process decides.
   * @default true
   */
  syncWrites?: boolean;
  /** Time source for TTLs and recency. @default Date.now */
  clock?: Clock;
}

export interface DiskEntry<V = unknown> {
  value: V;
  /** Epoch ms after which the entry is gone; 0 when it never expires. */
  expiresAt: number;
}

export interface DiskStoreStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  maxEntries: number;
  hits: number;
  misses: number;
  hitRate: number;
  sets: number;
  deletes: number;
  evictions: number;
  expirations: number;
}

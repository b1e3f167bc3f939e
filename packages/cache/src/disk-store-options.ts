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
   * `false`: a commit is written to the OS (the page cache) but not fsynced. It survives any
   * process crash, SIGKILL included; an OS crash or power loss may lose the latest writes, and
   * if it happens while a process has the store open, the next open moves the possibly damaged
   * file aside and starts empty (a `'reset'` event). `true`: each commit is fsynced too (in the
   * background, overlapped with the next transaction), so committed writes also survive an OS
   * crash or power loss, at the cost of a disk flush per commit (about 100× slower one awaited
   * write at a time). The first instance to open a directory in a process decides.
   * @default false
   */
  syncWrites?: boolean;
  /**
   * Time source for TTLs and recency, and the timers of the sweep and the read-time flush
   * (both unref'd by the store: an idle store keeps nothing alive).
   * @default systemClock
   */
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

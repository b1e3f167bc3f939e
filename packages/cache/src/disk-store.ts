import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KeyvStoreAdapter } from 'keyv';
import { assertClock, type Clock, systemClock, type TimerHandle, unrefTimer } from './clock.js';
import {
  applyTouches,
  ENTRY_OVERHEAD_BYTES,
  entryCount,
  evictOldest,
  removeEntry,
  removeExpired,
  totalBytes,
  writeEntry,
} from './disk-index.js';
import { type DecodedRecord, decodeRecord, encodeRecord, recordExpiresAt } from './disk-record.js';
import type { DiskEntry, DiskStoreOptions, DiskStoreStats } from './disk-store-options.js';
import { InvalidKeyError, StoreClosedError } from './errors.js';
import { acquireEnv, type DiskEnv, setTotalBytes } from './lmdb-env.js';
import {
  assertKey,
  assertNonNegativeInteger,
  assertSerializable,
  normalizeTtl,
} from './validate.js';

/** LMDB's key limit is 1978 bytes; the ordered-binary key encoding takes a few of them. */
const MAX_KEY_BYTES = 1900;
const LOW_WATER = 0.9;
const CHUNK = 512;
const TOUCH_FLUSH_THRESHOLD = 4096;

/**
 * A persistent, crash-safe, size-bounded key-value store on LMDB, usable directly or as a
 * Keyv v5 storage adapter: `new Keyv({ store: new DiskStore({ dir }) })`.
 *
 * Every change (value, metadata, LRU and expiry indexes, byte total) commits in one LMDB
 * transaction, so a crash at any moment leaves either the old or the new state.
 *
 * Events: `'reset'` `(DiskReset)` when the store had to start empty because its data file was
 * damaged or may have been (after an OS crash with `syncWrites: false`); `'error'` for failures
 * of background work (sweeps, read-time flushes), only when someone listens.
 */
export class DiskStore extends EventEmitter implements KeyvStoreAdapter {
  /** Keyv reads `opts`; its iterator is only wired for the dialects it knows, hence the name. */
  opts: Record<string, unknown>;
  /** Set by Keyv: `clear()` and `iterator()` then stay inside `namespace:` keys. */
  namespace: string | undefined;
  readonly #env: DiskEnv;
  readonly #entries: DiskEnv['entries'];
  readonly #release: () => Promise<void>;
  readonly #clock: Clock;
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  readonly #defaultTtl: number;
  readonly #accessFlushMs: number;
  readonly #sweepMs: number;
  #sweepTimer: TimerHandle | undefined;
  #touchTimer: TimerHandle | undefined;
  #touched = new Map<string, number>();
  #lastTick = 0;
  #boundsCheckQueued = false;
  #closed: Promise<void> | undefined;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #deletes = 0;
  #evictions = 0;
  #expirations = 0;

  constructor(options: DiskStoreOptions) {
    super();
    if (typeof options?.dir !== 'string' || options.dir === '') {
      throw new TypeError('dir must be a non-empty directory path.');
    }
    const {
      maxBytes = 1024 ** 3,
      maxEntries = 0,
      sweepIntervalMs = 60_000,
      accessFlushIntervalMs = 1_000,
      syncWrites = false,
      clock = systemClock,
    } = options;
    if (typeof syncWrites !== 'boolean') throw new TypeError('syncWrites must be a boolean.');
    assertNonNegativeInteger(maxBytes, 'maxBytes');
    assertNonNegativeInteger(maxEntries, 'maxEntries');
    assertNonNegativeInteger(sweepIntervalMs, 'sweepIntervalMs');
    assertNonNegativeInteger(accessFlushIntervalMs, 'accessFlushIntervalMs');
    if (maxBytes === 0) throw new RangeError('maxBytes must be > 0.');
    assertClock(clock);
    this.#defaultTtl = normalizeTtl(options.ttl) ?? 0;
    this.#maxBytes = maxBytes;
    this.#maxEntries = maxEntries;
    this.#accessFlushMs = accessFlushIntervalMs;
    this.#clock = clock;
    this.opts = { dialect: 'sqlite', url: `lmdb://${options.dir}`, dir: options.dir };
    mkdirSync(options.dir, { recursive: true });
    const { env, reset, release } = acquireEnv(resolve(options.dir, 'cache.mdb'), syncWrites);
    this.#release = release;
    // Emitted on the next tick, so a listener added right after the constructor still hears it.
    if (reset !== undefined) process.nextTick(() => this.emit('reset', reset));
    this.#env = env;
    this.#entries = env.entries;
    this.#sweepMs = sweepIntervalMs;
    this.#scheduleSweep();
  }

  /** The entry with its expiry, or undefined when absent or expired. */
  async getEntry<V = unknown>(key: string): Promise<DiskEntry<V> | undefined> {
    return this.#read(key) as DiskEntry<V> | undefined;
  }

  async get<V = unknown>(key: string): Promise<V | undefined> {
    return this.#read(key)?.value as V | undefined;
  }

  async getMany<V = unknown>(keys: string[]): Promise<Array<V | undefined>> {
    return keys.map((key) => this.#read(key)?.value as V | undefined);
  }

  async has(key: string): Promise<boolean> {
    this.#assertOpen();
    assertKey(key);
    const record = this.#readRaw(key);
    return record !== undefined && !this.#isExpired(recordExpiresAt(record));
  }

  /**
   * Stores a value: JSON-like data, Dates, Buffers or Uint8Arrays. `ttl` is in ms (0: never
   * expires; omitted: the store's `ttl`). Resolves once the write is committed.
   */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    this.#assertOpen();
    const keyBytes = this.#storableKeyBytes(key);
    assertSerializable(value);
    const ms = normalizeTtl(ttl) ?? this.#defaultTtl;
    const expiresAt = ms > 0 ? this.#clock.now() + ms : 0;
    const record = encodeRecord(value, expiresAt);
    const bytes = ENTRY_OVERHEAD_BYTES + keyBytes + record.byteLength;
    const tick = this.#nextTick();
    if (this.#touched.size > 0) this.#touched.delete(key);
    const total = await this.#env.write(() =>
      writeEntry(this.#env, key, record, [tick, expiresAt, bytes]),
    );
    this.#sets++;
    // The write saw the byte total: over it, or with an entry bound, check the bounds.
    if (total > this.#maxBytes || this.#maxEntries > 0) this.#queueBoundsCheck();
    return true;
  }

  async delete(key: string): Promise<boolean> {
    this.#assertOpen();
    assertKey(key);
    const deleted = await this.#env.write(() => removeEntry(this.#env, key));
    if (deleted) this.#deletes++;
    return deleted;
  }

  /** Deletes every key given; resolves true if at least one existed. */
  async deleteMany(keys: string[]): Promise<boolean> {
    this.#assertOpen();
    for (const key of keys) assertKey(key);
    const deleted = await this.#env.write(() => {
      let count = 0;
      for (const key of keys) if (removeEntry(this.#env, key)) count++;
      return count;
    });
    this.#deletes += deleted;
    return deleted > 0;
  }

  /** Removes every entry, or only the `namespace:` keys when Keyv set a namespace. */
  async clear(): Promise<void> {
    this.#assertOpen();
    this.#touched.clear();
    const prefix = this.namespace ? `${this.namespace}:` : undefined;
    if (prefix === undefined) {
      await this.#env.write(() => {
        const { entries, meta, byAccess, byExpiry, info } = this.#env;
        for (const db of [entries, meta, byAccess, byExpiry, info]) db.clearSync();
        // A write batched before this one in the transaction left its total pending.
        setTotalBytes(this.#env, 0);
      });
      return;
    }
    for (;;) {
      const keys = [...this.#entries.getKeys({ ...prefixRange(prefix), limit: CHUNK })];
      if (keys.length === 0) return;
      await this.#env.write(() => {
        // A row without metadata cannot exist (they commit together); removing it anyway
        // guarantees this loop always makes progress.
        for (const key of keys) if (!removeEntry(this.#env, key)) this.#entries.remove(key);
      });
    }
  }

  /** Yields `[key, value]` for live entries, only `namespace:` keys when one is given. */
  async *iterator<Value = unknown>(
    namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    this.#assertOpen();
    const range = namespace ? prefixRange(`${namespace}:`) : {};
    for (const { key, value } of this.#entries.getRange(range)) {
      const record = decodeRecord(value);
      if (!this.#isExpired(record.expiresAt)) yield [key, record.value as Awaited<Value>];
    }
  }

  /**
   * Deletes expired entries, persists pending read times and enforces the bounds. Runs on the
   * sweep timer; call it yourself when the timer is off.
   */
  async sweep(): Promise<{ expired: number; evicted: number }> {
    this.#assertOpen();
    await this.#flushTouches();
    const now = this.#clock.now();
    let expired = 0;
    for (;;) {
      const due: Array<[number, string]> = [];
      for (const key of this.#env.byExpiry.getKeys({ limit: CHUNK })) {
        if (key[0] >= now) break;
        due.push(key);
      }
      if (due.length === 0) break;
      expired += await this.#env.write(() => removeExpired(this.#env, due));
      if (due.length < CHUNK) break;
    }
    this.#expirations += expired;
    const evicted = await this.#enforceBounds();
    return { expired, evicted };
  }

  stats(): DiskStoreStats {
    const reads = this.#hits + this.#misses;
    const open = this.#closed === undefined;
    return {
      entries: open ? entryCount(this.#env) : 0,
      bytes: open ? totalBytes(this.#env) : 0,
      maxBytes: this.#maxBytes,
      maxEntries: this.#maxEntries,
      hits: this.#hits,
      misses: this.#misses,
      hitRate: reads === 0 ? 0 : this.#hits / reads,
      sets: this.#sets,
      deletes: this.#deletes,
      evictions: this.#evictions,
      expirations: this.#expirations,
    };
  }

  /** Persists read times, stops the timers and closes LMDB. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#clearTimer(this.#sweepTimer);
      this.#sweepTimer = undefined;
      await this.#flushTouches().catch((error: unknown) => this.#report(error));
      await this.#release();
    })();
    return this.#closed;
  }

  /** Keyv calls this on `keyv.disconnect()`. */
  disconnect(): Promise<void> {
    return this.close();
  }

  #read(key: string): DecodedRecord | undefined {
    this.#assertOpen();
    assertKey(key);
    const raw = this.#readRaw(key);
    if (raw === undefined) {
      this.#misses++;
      return undefined;
    }
    const record = decodeRecord(raw);
    if (this.#isExpired(record.expiresAt)) {
      this.#misses++;
      this.#removeExpired(key, record.expiresAt);
      return undefined;
    }
    this.#hits++;
    this.#touch(key);
    return record;
  }

  /**
   * The stored bytes without a copy: LMDB may hand back its shared read buffer, valid until the
   * next read and longer than the value, so callers decode (and copy) at once.
   */
  #readRaw(key: string): Buffer | undefined {
    const raw = this.#entries.getBinaryFast(key) as (Buffer & { isGlobal?: boolean }) | undefined;
    if (raw === undefined || !raw.isGlobal) return raw;
    return raw.subarray(0, (this.#entries as unknown as { lastSize: number }).lastSize);
  }

  #isExpired(expiresAt: number): boolean {
    // Live through its expiresAt millisecond, like Keyv and lru-cache.
    return expiresAt > 0 && expiresAt < this.#clock.now();
  }

  #removeExpired(key: string, expiresAt: number): void {
    this.#env
      .write(() => removeExpired(this.#env, [[expiresAt, key]]))
      .then((removed) => {
        this.#expirations += removed;
      })
      .catch((error: unknown) => this.#report(error));
  }

  // Several entries can share a millisecond; a tiny increment keeps their order strict.
  #nextTick(): number {
    const now = this.#clock.now();
    this.#lastTick = now > this.#lastTick ? now : this.#lastTick + 0.001;
    return this.#lastTick;
  }

  #touch(key: string): void {
    this.#touched.set(key, this.#nextTick());
    if (this.#touched.size >= TOUCH_FLUSH_THRESHOLD) {
      this.#flushTouches().catch((error: unknown) => this.#report(error));
    } else if (this.#touchTimer === undefined) {
      // Background work: unref'd, so a store with unflushed read times keeps nothing alive.
      this.#touchTimer = this.#clock.setTimeout(() => {
        this.#touchTimer = undefined;
        this.#flushTouches().catch((error: unknown) => this.#report(error));
      }, this.#accessFlushMs);
      unrefTimer(this.#touchTimer);
    }
  }

  /**
   * Arms the next background sweep, unref'd (an idle store keeps nothing alive). The next one is
   * armed once this one has settled, so two sweeps never overlap.
   */
  #scheduleSweep(): void {
    if (this.#sweepMs === 0 || this.#closed !== undefined) return;
    this.#sweepTimer = this.#clock.setTimeout(() => {
      this.#sweepTimer = undefined;
      if (this.#closed !== undefined) return;
      this.sweep()
        .catch((error: unknown) => this.#report(error))
        .finally(() => this.#scheduleSweep());
    }, this.#sweepMs);
    unrefTimer(this.#sweepTimer);
  }

  #clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.#clock.clearTimeout(handle);
  }

  async #flushTouches(): Promise<void> {
    this.#clearTimer(this.#touchTimer);
    this.#touchTimer = undefined;
    if (this.#touched.size === 0) return;
    const touched = this.#touched;
    this.#touched = new Map();
    await this.#env.write(() => applyTouches(this.#env, touched));
  }

  #queueBoundsCheck(): void {
    if (this.#boundsCheckQueued) return;
    this.#boundsCheckQueued = true;
    queueMicrotask(() => {
      this.#boundsCheckQueued = false;
      if (this.#closed === undefined && this.#overBound(this.#maxBytes, this.#maxEntries)) {
        this.#enforceBounds().catch((error: unknown) => this.#report(error));
      }
    });
  }

  #overBound(bytes: number, entries: number): boolean {
    return totalBytes(this.#env) > bytes || (entries > 0 && entryCount(this.#env) > entries);
  }

  /** Evicts least recently used entries down to 90% of whichever bound was passed. */
  async #enforceBounds(): Promise<number> {
    if (!this.#overBound(this.#maxBytes, this.#maxEntries)) return 0;
    await this.#flushTouches();
    const targetBytes = Math.floor(this.#maxBytes * LOW_WATER);
    // At least 1: a target of 0 entries would read as "no entry bound".
    const targetEntries =
      this.#maxEntries > 0 ? Math.max(1, Math.floor(this.#maxEntries * LOW_WATER)) : 0;
    let evicted = 0;
    while (this.#closed === undefined && this.#overBound(targetBytes, targetEntries)) {
      const round = await this.#env.write(() =>
        evictOldest(this.#env, targetBytes, targetEntries, CHUNK),
      );
      evicted += round.evicted;
      if (round.scanned === 0) break;
    }
    this.#evictions += evicted;
    return evicted;
  }

  /** The key's UTF-8 length, after checking it fits LMDB. */
  #storableKeyBytes(key: string): number {
    assertKey(key);
    const keyBytes = Buffer.byteLength(key);
    if (keyBytes > MAX_KEY_BYTES) {
      throw new InvalidKeyError(
        key,
        `DiskStore keys are limited to ${MAX_KEY_BYTES} bytes (LMDB); hash long inputs with cacheKey(name, inputs).`,
      );
    }
    return keyBytes;
  }

  #assertOpen(): void {
    if (this.#closed !== undefined) {
      throw new StoreClosedError('DiskStore', 'create a new instance to keep using the directory');
    }
  }

  #report(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/** Ordered-binary keys sort by UTF-8 bytes: every `prefix…` key lies in [prefix, prefix+1). */
function prefixRange(prefix: string): { start: string; end: string } {
  const last = prefix.charCodeAt(prefix.length - 1);
  return { start: prefix, end: prefix.slice(0, -1) + String.fromCharCode(last + 1) };
}

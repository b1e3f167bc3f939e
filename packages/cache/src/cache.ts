import { EventEmitter } from 'node:events';
import type {
  CacheOptions,
  CacheSetOptions,
  CacheStats,
  TierErrorContext,
  TierStats,
  WrapOptions,
} from './cache-options.js';
import { assertClock, type Clock, systemClock, type TimerHandle } from './clock.js';
import { StoreClosedError, TierTimeoutError } from './errors.js';
import { MemoryCache } from './memory-cache.js';
import { RunningCalls } from './running-calls.js';
import { type Tier, type TierEntry, toTier } from './tier.js';
import {
  assertKey,
  assertNonNegativeInteger,
  assertSerializable,
  normalizeTtl,
} from './validate.js';
import { type PendingWrite, WriteBehindQueue } from './write-behind.js';

const ALLOW_STALE = { allowStale: true } as const;

interface Found {
  value: unknown;
  stale: boolean;
}

interface TierCounters {
  hits: number;
  misses: number;
  errors: number;
}

/**
 * Tiers in order — memory, then each store — with read-through promotion keeping the remaining
 * TTL, writes to every tier, and `wrap()` that runs a loader once per key however many callers
 * miss at once. A failing lower tier is a miss plus an `'error'` event, never a failed call.
 */
export class Cache extends EventEmitter {
  readonly #memory: MemoryCache | undefined;
  readonly #tiers: Tier[];
  readonly #counters: TierCounters[];
  readonly #defaultTtl: number;
  readonly #staleMs: number;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #errors = new Map<string, { error: unknown; until: number }>();
  readonly #running = new RunningCalls();
  readonly #queue: WriteBehindQueue | undefined;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #deletes = 0;
  #refreshes = 0;
  #closed: Promise<void> | undefined;

  constructor(options: CacheOptions = {}) {
    super();
    const {
      memory = {},
      stores = [],
      staleWhileRevalidateMs = 0,
      namespace = 'x-cache',
      tierTimeoutMs = 1_000,
      clock = systemClock,
    } = options;
    assertNonNegativeInteger(staleWhileRevalidateMs, 'staleWhileRevalidateMs');
    assertNonNegativeInteger(tierTimeoutMs, 'tierTimeoutMs');
    if (tierTimeoutMs === 0) throw new RangeError('tierTimeoutMs must be > 0.');
    if (!Array.isArray(stores)) throw new TypeError('stores must be an array.');
    assertClock(clock);
    this.#defaultTtl = normalizeTtl(options.ttl) ?? 0;
    this.#staleMs = staleWhileRevalidateMs;
    this.#timeoutMs = tierTimeoutMs;
    this.#clock = clock;
    this.#memory =
      memory === false
        ? undefined
        : memory instanceof MemoryCache
          ? memory
          : new MemoryCache({ ...(options.clock ? { clock } : {}), ...memory });
    this.#tiers = stores.map((store) => toTier(store, namespace));
    this.#counters = [this.#memory, ...this.#tiers].map(() => ({ hits: 0, misses: 0, errors: 0 }));
    const maxPending = writeBehindMaxPending(options.writeBehind);
    if (maxPending !== undefined && this.#tiers.length > 0) {
      this.#queue = new WriteBehindQueue(
        maxPending,
        (batch) => this.#writeBatch(batch),
        (promise) => void this.#running.track(promise),
      );
    }
  }

  /** The fresh value from the first tier that has it, promoted to the tiers above. */
  async get<V = unknown>(key: string): Promise<V | undefined> {
    this.#assertOpen();
    assertKey(key);
    // The L1 hit is the hot path of the whole project: no allocation, no extra promise.
    const memory = this.#memory;
    let memoryChecked = false;
    if (memory !== undefined && this.#staleMs === 0) {
      const value = memory.get(key);
      if (value !== undefined) {
        this.#counters[0]!.hits++;
        this.#hits++;
        return value as V;
      }
      this.#counters[0]!.misses++;
      memoryChecked = true;
    }
    const found = await this.#running.track(this.#lookup(key, memoryChecked));
    if (found === undefined || found.stale) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return found.value as V;
  }

  /** Whether a fresh value exists in any tier (no promotion). */
  async has(key: string): Promise<boolean> {
    this.#assertOpen();
    assertKey(key);
    if (this.#memory?.has(key) && !this.#memoryIsStale(key)) return true;
    return this.#running.track(this.#hasInTiers(key));
  }

  async #hasInTiers(key: string): Promise<boolean> {
    const queued = this.#queue?.peek(key);
    if (queued && this.#freshness(queued) === 'fresh') return true;
    for (const tier of this.#tiers) {
      const entry = await this.#tierCall(tier, 'get', key, () => tier.get(key));
      if (entry && this.#freshness(entry) === 'fresh') return true;
    }
    return false;
  }

  /**
   * Writes to every tier. A lower tier that fails is reported as an `'error'` event; the value
   * stays in the tiers that took it. Throws only on bad input, before storing anything.
   */
  async set(key: string, value: unknown, options?: CacheSetOptions): Promise<void> {
    this.#assertOpen();
    await this.#running.track(this.#set(key, value, options?.ttl));
  }

  /** `set` without the closed check: `wrap()` loaders still store their result during `close()`. */
  async #set(key: string, value: unknown, ttlOption: number | undefined): Promise<void> {
    assertKey(key);
    assertSerializable(value);
    const ttl = normalizeTtl(ttlOption) ?? this.#defaultTtl;
    this.#sets++;
    this.#errors.delete(key);
    await this.#write(key, value, ttl === 0 ? 0 : ttl + this.#staleMs, this.#tiers.length);
  }

  /** Deletes from every tier; true if any tier had the key. */
  async delete(key: string): Promise<boolean> {
    this.#assertOpen();
    assertKey(key);
    this.#deletes++;
    this.#errors.delete(key);
    let deleted = this.#memory?.delete(key) ?? false;
    const queue = this.#queue;
    if (queue?.peek(key)) deleted = true;
    queue?.forget(key);
    const results = await this.#running.track(
      // A write of this key already being written lands first, so the delete comes after it.
      (queue ? queue.flush() : Promise.resolve()).then(() =>
        Promise.all(
          this.#tiers.map((tier) => this.#tierCall(tier, 'delete', key, () => tier.delete(key))),
        ),
      ),
    );
    for (const result of results) deleted = result === true || deleted;
    return deleted;
  }

  /** Empties every tier (Keyv tiers: only this cache's namespace). */
  async clear(): Promise<void> {
    this.#assertOpen();
    this.#memory?.clear();
    this.#errors.clear();
    const queue = this.#queue;
    queue?.forgetAll();
    await this.#running.track(
      (queue ? queue.flush() : Promise.resolve()).then(() =>
        Promise.all(
          this.#tiers.map((tier) => this.#tierCall(tier, 'clear', undefined, () => tier.clear())),
        ),
      ),
    );
  }

  /**
   * Returns the cached value, or runs `fn` once for every concurrent caller that misses `key`
   * and caches its result; all of them get that result or its error. With
   * `staleWhileRevalidateMs`, a stale value is returned at once and refreshed in the background.
   */
  async wrap<V>(key: string, fn: () => V | Promise<V>, options?: WrapOptions): Promise<V> {
    this.#assertOpen();
    assertKey(key);
    if (typeof fn !== 'function') throw new TypeError('wrap(key, fn): fn must be a function.');
    const ttl = normalizeTtl(options?.ttl);
    const errorTtl = normalizeTtl(options?.errorTtl, 'errorTtl') ?? 0;
    const opts = { ttl, errorTtl };
    // A memory hit answers without a lookup promise or an #inflight entry: the common case.
    const memory = this.#memory;
    let memoryChecked = false;
    if (memory !== undefined) {
      const value = this.#staleMs > 0 ? memory.get(key, ALLOW_STALE) : memory.get(key);
      if (value !== undefined) {
        this.#counters[0]!.hits++;
        this.#hits++;
        if (this.#staleMs > 0 && this.#memoryIsStale(key)) this.#refresh(key, fn, opts);
        return value as V;
      }
      this.#counters[0]!.misses++;
      memoryChecked = true;
    }
    const remembered = this.#errors.get(key);
    if (remembered !== undefined) {
      if (remembered.until > this.#clock.now()) throw remembered.error;
      this.#errors.delete(key);
    }
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return pending as Promise<V>;
    let stale = false;
    const promise = this.#lookup(key, memoryChecked).then((found) => {
      if (found === undefined) {
        this.#misses++;
        return this.#load(key, fn, opts);
      }
      this.#hits++;
      stale = found.stale;
      return found.value as V;
    });
    const tracked = this.#running.track(this.#track(key, promise));
    // Registered after #track's clean-up, so the refresh starts once this lookup left #inflight.
    promise.then(
      () => stale && this.#refresh(key, fn, opts),
      () => {},
    );
    return tracked;
  }

  /**
   * With `writeBehind`: resolves once every write queued so far has reached the lower tiers (or
   * failed there, reported as an `'error'` event). Without it, writes are already there.
   */
  flush(): Promise<void> {
    return this.#queue?.flush() ?? Promise.resolve();
  }

  stats(): CacheStats {
    const reads = this.#hits + this.#misses;
    const tiers: TierStats[] = [];
    let errors = 0;
    const all: Array<{ name: string; counts: () => { size?: number; evictions?: number } }> = [
      ...(this.#memory ? [{ name: 'memory', counts: () => memoryCounts(this.#memory!) }] : []),
      ...this.#tiers,
    ];
    all.forEach((tier, i) => {
      const counters = this.#counters[i] ?? { hits: 0, misses: 0, errors: 0 };
      errors += counters.errors;
      tiers.push({ name: tier.name, ...counters, ...safeCounts(() => tier.counts()) });
    });
    return {
      hits: this.#hits,
      misses: this.#misses,
      hitRate: reads === 0 ? 0 : this.#hits / reads,
      sets: this.#sets,
      deletes: this.#deletes,
      errors,
      refreshes: this.#refreshes,
      inflight: this.#inflight.size,
      tiers,
      ...(this.#queue ? { writeBehind: this.#queue.stats() } : {}),
    };
  }

  /**
   * Shuts the cache down: from this call on, every new call rejects with `StoreClosedError`
   * (`ERR_CACHE_CLOSED`); the calls already running — `wrap()` loaders and the writes of their
   * results, background refreshes, tier reads and writes — settle first, then every lower tier
   * is closed (disconnected). Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#running
      .settled()
      .then(() =>
        Promise.all(
          this.#tiers.map((tier) => this.#tierCall(tier, 'close', undefined, () => tier.close())),
        ),
      )
      .then(() => undefined);
    return this.#closed;
  }

  async #lookup(key: string, memoryChecked = false): Promise<Found | undefined> {
    const memory = this.#memory;
    if (memory !== undefined && !memoryChecked) {
      const value = this.#staleMs > 0 ? memory.get(key, ALLOW_STALE) : memory.get(key);
      if (value !== undefined) {
        this.#counters[0]!.hits++;
        return { value, stale: this.#staleMs > 0 && this.#memoryIsStale(key) };
      }
      this.#counters[0]!.misses++;
    }
    // Written behind and not yet landed: the queue has the latest value.
    const queued = this.#queue?.peek(key);
    if (queued !== undefined) {
      const freshness = this.#freshness(queued);
      if (freshness !== 'gone') {
        const remaining = queued.expiresAt === 0 ? 0 : queued.expiresAt - this.#clock.now();
        memory?.set(key, queued.value, { ttl: remaining });
        return { value: queued.value, stale: freshness === 'stale' };
      }
    }
    const offset = memory === undefined ? 0 : 1;
    for (let i = 0; i < this.#tiers.length; i++) {
      const tier = this.#tiers[i]!;
      const counters = this.#counters[i + offset]!;
      const entry = await this.#tierCall(tier, 'get', key, () => tier.get(key));
      const freshness = entry === undefined ? 'gone' : this.#freshness(entry);
      if (entry === undefined || freshness === 'gone') {
        counters.misses++;
        continue;
      }
      counters.hits++;
      const remaining = entry.expiresAt === 0 ? 0 : entry.expiresAt - this.#clock.now();
      await this.#write(key, entry.value, remaining, i);
      return { value: entry.value, stale: freshness === 'stale' };
    }
    return undefined;
  }

  #memoryIsStale(key: string): boolean {
    return this.#staleMs > 0 && this.#memory!.getRemainingTtl(key) < this.#staleMs;
  }

  #freshness(entry: TierEntry): 'fresh' | 'stale' | 'gone' {
    if (entry.expiresAt === 0) return 'fresh';
    const now = this.#clock.now();
    // Live through the expiresAt millisecond, as in Keyv and lru-cache.
    if (entry.expiresAt < now) return 'gone';
    return entry.expiresAt - this.#staleMs >= now ? 'fresh' : 'stale';
  }

  /** Writes to memory and to the first `tierCount` lower tiers; `physicalTtl` includes the stale window. */
  async #write(key: string, value: unknown, physicalTtl: number, tierCount: number): Promise<void> {
    this.#memory?.set(key, value, { ttl: physicalTtl });
    if (tierCount === 0) return;
    if (this.#queue !== undefined) {
      const expiresAt = physicalTtl === 0 ? 0 : this.#clock.now() + physicalTtl;
      this.#queue.enqueue(key, { value, expiresAt, tierCount });
      return;
    }
    await Promise.all(
      this.#tiers
        .slice(0, tierCount)
        .map((tier) => this.#tierCall(tier, 'set', key, () => tier.set(key, value, physicalTtl))),
    );
  }

  async #load<V>(
    key: string,
    fn: () => V | Promise<V>,
    options: { ttl?: number; errorTtl: number },
  ) {
    let value: V;
    try {
      value = await fn();
    } catch (error) {
      if (options.errorTtl > 0)
        this.#errors.set(key, { error, until: this.#clock.now() + options.errorTtl });
      throw error;
    }
    await this.#set(key, value, options.ttl);
    return value;
  }

  #refresh<V>(key: string, fn: () => V | Promise<V>, options: { ttl?: number; errorTtl: number }) {
    if (this.#inflight.has(key) || this.#closed !== undefined) return;
    this.#refreshes++;
    const promise = this.#load(key, fn, options);
    this.#running
      .track(this.#track(key, promise))
      .catch((error: unknown) =>
        this.#report(error, { tier: 'loader', operation: 'refresh', key }),
      );
  }

  #track<V>(key: string, promise: Promise<V>): Promise<V> {
    this.#inflight.set(key, promise);
    const forget = () => {
      if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Writes one write-behind batch: each tier takes its entries concurrently under one timeout
   * per tier; a failing write is reported like any tier error and never rejects the batch.
   */
  async #writeBatch(batch: Map<string, PendingWrite>): Promise<void> {
    const now = this.#clock.now();
    await Promise.all(
      this.#tiers.map((tier, index) => {
        const writes: Promise<unknown>[] = [];
        for (const [key, write] of batch) {
          if (write.tierCount <= index) continue;
          const ttl = write.expiresAt === 0 ? 0 : write.expiresAt - now;
          if (ttl <= 0 && write.expiresAt !== 0) continue;
          writes.push(
            tier.set(key, write.value, ttl).catch((error: unknown) => {
              this.#tierFailed(tier, error, { tier: tier.name, operation: 'set', key });
            }),
          );
        }
        if (writes.length === 0) return undefined;
        return this.#tierCall(tier, 'set', undefined, () => Promise.all(writes));
      }),
    );
  }

  /** Runs one lower-tier operation under the timeout; failures become `undefined` plus an event. */
  async #tierCall<T>(
    tier: Tier,
    operation: TierErrorContext['operation'],
    key: string | undefined,
    call: () => Promise<T>,
  ): Promise<T | undefined> {
    // Ref'd on purpose: the caller awaits this call, so the timer keeps the process alive until
    // it fires or the call settles (then `finally` clears it).
    let timer: TimerHandle | undefined;
    try {
      // A read that is done before it returns cannot outlast a timer: no timer, no race.
      if (operation === 'get' && tier.synchronousReads === true) return await call();
      const timeout = new Promise<never>((_, reject) => {
        timer = this.#clock.setTimeout(
          () => reject(new TierTimeoutError(tier.name, operation, this.#timeoutMs)),
          this.#timeoutMs,
        );
      });
      return await Promise.race([call(), timeout]);
    } catch (error) {
      this.#tierFailed(tier, error, {
        tier: tier.name,
        operation,
        ...(key === undefined ? {} : { key }),
      });
      return undefined;
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    }
  }

  #tierFailed(tier: Tier, error: unknown, context: TierErrorContext): void {
    const index = this.#tiers.indexOf(tier) + (this.#memory === undefined ? 0 : 1);
    const counters = this.#counters[index];
    if (counters) counters.errors++;
    this.#report(error, context);
  }

  #assertOpen(): void {
    if (this.#closed !== undefined) {
      throw new StoreClosedError('Cache', 'create a new Cache to keep caching');
    }
  }

  #report(error: unknown, context: TierErrorContext): void {
    if (this.listenerCount('error') > 0) this.emit('error', error, context);
  }
}

function memoryCounts(memory: MemoryCache): { size: number; evictions: number } {
  const { size, evictions } = memory.stats();
  return { size, evictions };
}

function safeCounts(counts: () => { size?: number; evictions?: number }) {
  try {
    return counts();
  } catch {
    return {};
  }
}

/** The queue bound of the `writeBehind` option, or undefined when writes are awaited. */
function writeBehindMaxPending(option: CacheOptions['writeBehind']): number | undefined {
  if (option === undefined || option === false) return undefined;
  const maxPending = option === true ? 10_000 : (option.maxPending ?? 10_000);
  if (!Number.isInteger(maxPending) || maxPending < 1) {
    throw new RangeError(`writeBehind.maxPending must be an integer >= 1; got ${maxPending}.`);
  }
  return maxPending;
}

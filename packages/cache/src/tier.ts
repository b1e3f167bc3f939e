import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { DiskStore } from './disk-store.js';
import { MemoryKeyvAdapter } from './memory-keyv-adapter.js';

/** What `Cache` accepts as a lower tier: a DiskStore, a Keyv instance, or any Keyv storage adapter. */
export type TierStore = DiskStore | Keyv | KeyvStoreAdapter;

export interface TierEntry {
  value: unknown;
  /** Epoch ms after which the entry is gone; 0 when it never expires. */
  expiresAt: number;
}

/** The few operations `Cache` needs from a lower tier, whatever the store behind it. */
export interface Tier {
  readonly name: string;
  /**
   * True when `get` does its work before it returns (the promise only carries the answer): no
   * timeout can fire before it settles, so `Cache` sets none. @default false
   */
  readonly synchronousReads?: boolean;
  get(key: string): Promise<TierEntry | undefined>;
  /** `ttlMs` 0: never expires. */
  set(key: string, value: unknown, ttlMs: number): Promise<unknown>;
  delete(key: string): Promise<boolean>;
  clear(): Promise<unknown>;
  close(): Promise<unknown>;
  /** Entries and evictions when the store can tell. */
  counts(): { size?: number; evictions?: number };
}

class DiskTier implements Tier {
  readonly name = 'disk';
  // LMDB reads are synchronous; DiskStore.getEntry only wraps the answer in a promise.
  readonly synchronousReads = true;
  readonly #store: DiskStore;

  constructor(store: DiskStore) {
    this.#store = store;
  }

  get(key: string) {
    return this.#store.getEntry(key);
  }

  set(key: string, value: unknown, ttlMs: number) {
    return this.#store.set(key, value, ttlMs);
  }

  delete(key: string) {
    return this.#store.delete(key);
  }

  clear() {
    return this.#store.clear();
  }

  close() {
    return this.#store.close();
  }

  counts() {
    const { entries, evictions } = this.#store.stats();
    return { size: entries, evictions };
  }
}

class KeyvTier implements Tier {
  readonly name: string;
  readonly #keyv: Keyv;

  constructor(keyv: Keyv, name: string) {
    this.#keyv = keyv;
    this.name = name;
  }

  async get(key: string): Promise<TierEntry | undefined> {
    const raw = await this.#keyv.get(key, { raw: true });
    if (raw === undefined || raw === null) return undefined;
    return { value: raw.value, expiresAt: typeof raw.expires === 'number' ? raw.expires : 0 };
  }

  set(key: string, value: unknown, ttlMs: number) {
    return this.#keyv.set(key, value, ttlMs === 0 ? undefined : ttlMs);
  }

  delete(key: string) {
    return this.#keyv.delete(key);
  }

  clear() {
    return this.#keyv.clear();
  }

  close() {
    return this.#keyv.disconnect();
  }

  counts() {
    return {};
  }
}

/**
 * Wraps a store as a tier. A bare adapter gets its own Keyv, under `namespace`, that throws
 * store errors, so `Cache` can turn them into a miss plus an error event.
 */
export function toTier(store: TierStore, namespace: string): Tier {
  if (store instanceof DiskStore) return new DiskTier(store);
  if (store instanceof Keyv) return new KeyvTier(store, `keyv:${store.namespace ?? ''}`);
  if (typeof store?.get !== 'function' || typeof store.set !== 'function') {
    throw new TypeError('stores[] entries must be a DiskStore, a Keyv, or a Keyv storage adapter.');
  }
  // Our adapters claim a dialect Keyv knows (so it wires their iterator); name them truthfully.
  const dialect =
    store instanceof MemoryKeyvAdapter
      ? 'memory-keyv'
      : (store.opts as { dialect?: unknown } | undefined)?.dialect;
  const keyv = new Keyv({ store, namespace, throwOnErrors: true, emitErrors: false });
  return new KeyvTier(keyv, typeof dialect === 'string' ? dialect : 'keyv');
}

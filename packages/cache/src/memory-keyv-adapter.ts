import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { MemoryCache } from './memory-cache.js';

/**
 * A thin Keyv v5 storage adapter over a {@link MemoryCache}:
 * `new Keyv({ store: new MemoryKeyvAdapter(cache) })`. Several adapters may share one cache,
 * each under its own Keyv namespace.
 */
export class MemoryKeyvAdapter extends EventEmitter implements KeyvStoreAdapter {
  /** Keyv reads `opts`; its iterator is only wired for the dialects it knows, hence the name. */
  opts: Record<string, unknown> = { dialect: 'sqlite', url: 'memory://x-cache' };
  /** Set by Keyv: `clear()` and `iterator()` then stay inside `namespace:` keys. */
  namespace: string | undefined;
  readonly cache: MemoryCache;

  constructor(cache: MemoryCache = new MemoryCache()) {
    super();
    this.cache = cache;
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.cache.get(key) as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return keys.map((key) => this.cache.get(key) as StoredData<Value>);
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    return this.cache.set(key, value, ttl === undefined ? undefined : { ttl });
  }

  async has(key: string): Promise<boolean> {
    return this.cache.has(key);
  }

  async delete(key: string): Promise<boolean> {
    return this.cache.delete(key);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let deleted = false;
    for (const key of keys) deleted = this.cache.delete(key) || deleted;
    return deleted;
  }

  async clear(): Promise<void> {
    if (!this.namespace) {
      this.cache.clear();
      return;
    }
    const prefix = `${this.namespace}:`;
    for (const key of [...this.cache.keys()]) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  async *iterator<Value>(
    namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const prefix = namespace ? `${namespace}:` : '';
    for (const key of [...this.cache.keys()]) {
      if (!key.startsWith(prefix) || !this.cache.has(key)) continue;
      yield [key, this.cache.peek(key) as Awaited<Value>];
    }
  }

  async disconnect(): Promise<void> {}
}

import { EventEmitter } from 'node:events';
import Keyv from 'keyv';
import { afterEach, describe, expect, it } from 'vitest';
import { Cache, MemoryKeyvAdapter } from '../src/index.js';
import { manualClock, nextTurn } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A Keyv adapter whose writes wait for the test: `sets` records each write as it starts,
 * `release()` lets every write started so far finish, `fail` makes them fail instead.
 */
class GatedStore extends EventEmitter {
  opts = {};
  namespace: string | undefined;
  readonly data = new Map<string, unknown>();
  readonly sets: string[] = [];
  readonly turns: number[] = [];
  fail = false;
  #gates: Array<() => void> = [];

  // Typed as Keyv's adapter reads are (a generic StoredData): whatever was stored.
  async get(key: string): Promise<never> {
    return this.data.get(key) as never;
  }
  set(key: string, value: unknown): Promise<boolean> {
    this.sets.push(key);
    return new Promise((resolve, reject) => {
      this.#gates.push(() => {
        if (this.fail) return reject(new Error('disk full'));
        this.data.set(key, value);
        resolve(true);
      });
    });
  }
  async delete(key: string) {
    return this.data.delete(key);
  }
  async clear() {
    this.data.clear();
  }
  release(): void {
    for (const gate of this.#gates.splice(0)) gate();
  }
}

function cacheWith(
  store: GatedStore | MemoryKeyvAdapter,
  writeBehind: boolean | { maxPending?: number } = true,
) {
  const cache = new Cache({ stores: [store], writeBehind, clock: manualClock() });
  cleanups.push(() => {
    if (store instanceof GatedStore) store.release();
    return cache.close();
  });
  return cache;
}

describe('Cache with writeBehind', () => {
  it('answers set() before the lower tier has the value, and writes it on the next turn', async () => {
    const store = new GatedStore();
    const cache = cacheWith(store);

    // The lower tier's write never finishes until released: set() must not wait for it.
    await cache.set('a', 1);
    expect(store.sets).toEqual([]);
    expect(await cache.get('a')).toBe(1);

    await nextTurn();
    expect(store.sets).toEqual(['x-cache:a']);
    store.release();
    await cache.flush();
    expect(store.data.get('x-cache:a')).toBe('{"value":1}');
  });

  it('writes every set of one turn in one batch, the latest value per key', async () => {
    const store = new GatedStore();
    const cache = cacheWith(store);

    await Promise.all([cache.set('a', 1), cache.set('b', 2), cache.set('a', 3)]);
    await nextTurn();
    store.release();
    await cache.flush();

    expect(store.sets).toEqual(['x-cache:a', 'x-cache:b']);
    expect(store.data.get('x-cache:a')).toBe('{"value":3}');
    expect(cache.stats().writeBehind).toEqual({ pending: 0, written: 2, dropped: 0 });
  });

  it('serves a key still queued when memory no longer has it', async () => {
    const store = new GatedStore();
    const cache = new Cache({ memory: { max: 1 }, stores: [store], writeBehind: true });
    cleanups.push(() => {
      store.release();
      return cache.close();
    });

    await cache.set('a', 'first');
    await cache.set('b', 'evicts a from memory');
    await nextTurn();
    // Being written, not landed: the lower tier has nothing yet.
    expect(store.data.size).toBe(0);

    expect(await cache.get('a')).toBe('first');
  });

  it('drops writes once maxPending keys are queued, counted, the value kept in memory', async () => {
    const store = new GatedStore();
    const cache = cacheWith(store, { maxPending: 2 });

    for (const key of ['a', 'b', 'c', 'd']) await cache.set(key, key);
    expect(cache.stats().writeBehind).toMatchObject({ pending: 2, dropped: 2 });
    expect(await cache.get('d')).toBe('d');

    await nextTurn();
    store.release();
    await cache.flush();
    expect(store.sets.sort()).toEqual(['x-cache:a', 'x-cache:b']);
  });

  it('reports a failed write as an error event, never to the caller', async () => {
    const store = new GatedStore();
    store.fail = true;
    const cache = cacheWith(store);
    const errors: unknown[] = [];
    cache.on('error', (error, context) => errors.push({ error, context }));

    await cache.set('a', 1);
    await nextTurn();
    store.release();
    await cache.flush();

    expect(errors).toMatchObject([
      { error: { message: 'disk full' }, context: { operation: 'set', key: 'a' } },
    ]);
    expect(cache.stats().tiers[1]).toMatchObject({ errors: 1 });
  });

  it('does not bring back a key deleted while its write was queued', async () => {
    const store = new MemoryKeyvAdapter();
    const cache = cacheWith(store);

    await cache.set('a', 1);
    expect(await cache.delete('a')).toBe(true);
    await cache.flush();

    expect(await cache.get('a')).toBeUndefined();
    expect(await store.get('x-cache:a')).toBeUndefined();
  });

  it('writes the queue out on close() before closing the tiers', async () => {
    const store = new MemoryKeyvAdapter();
    const keyv = new Keyv({ store, namespace: 'ns' });
    const cache = new Cache({ stores: [keyv], writeBehind: true });

    await cache.set('a', 'kept');
    await cache.close();

    expect(await store.get('ns:a')).toBeDefined();
  });

  it('rejects a maxPending that is not a whole number >= 1', () => {
    expect(
      () => new Cache({ stores: [new MemoryKeyvAdapter()], writeBehind: { maxPending: 0 } }),
    ).toThrow(RangeError);
  });
});

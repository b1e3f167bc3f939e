import { EventEmitter } from 'node:events';
import Keyv from 'keyv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Cache,
  DiskStore,
  InvalidKeyError,
  InvalidTtlError,
  MemoryCache,
  MemoryKeyvAdapter,
  TierTimeoutError,
  UnserializableValueError,
} from '../src/index.js';
import { HangingStore, manualClock, tempDir } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function diskStore(clock = manualClock()) {
  const { dir, remove } = tempDir();
  const store = new DiskStore({ dir, clock, sweepIntervalMs: 0 });
  cleanups.push(remove, () => store.close());
  return store;
}

/** A Keyv adapter whose every call fails, like Redis when it is down. */
class BrokenStore extends EventEmitter {
  opts = {};
  namespace: string | undefined;
  readonly calls: string[] = [];
  async get(): Promise<never> {
    this.calls.push('get');
    throw new Error('ECONNREFUSED');
  }
  async set(): Promise<never> {
    this.calls.push('set');
    throw new Error('ECONNREFUSED');
  }
  async delete(): Promise<never> {
    throw new Error('ECONNREFUSED');
  }
  async clear(): Promise<never> {
    throw new Error('ECONNREFUSED');
  }
}

describe('Cache', () => {
  it('reads back what it wrote, from memory first', async () => {
    const cache = new Cache();
    await cache.set('k', { a: 1 });

    expect(await cache.get('k')).toEqual({ a: 1 });
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 0, sets: 1 });
    expect(cache.stats().tiers[0]).toMatchObject({ name: 'memory', hits: 1, size: 1 });
  });

  it('writes to every tier', async () => {
    const disk = diskStore();
    const keyv = new Keyv();
    const cache = new Cache({ stores: [disk, keyv] });

    await cache.set('k', 'v');

    expect(await disk.get('k')).toBe('v');
    expect(await keyv.get('k')).toBe('v');
  });

  it('promotes a lower-tier hit to the tiers above with its remaining ttl', async () => {
    const clock = manualClock();
    const disk = diskStore(clock);
    const memory = new MemoryCache({ max: 10, clock });
    const cache = new Cache({ memory, stores: [disk], clock });
    await disk.set('k', 'from-disk', 1_000);
    clock.advance(400);

    expect(await cache.get('k')).toBe('from-disk');

    expect(memory.peek('k')).toBe('from-disk');
    expect(memory.getRemainingTtl('k')).toBe(600);
    expect(cache.stats().tiers.map((t) => [t.name, t.hits, t.misses])).toEqual([
      ['memory', 0, 1],
      ['disk', 1, 0],
    ]);
  });

  it('names each tier in stats()', async () => {
    const cache = new Cache({ stores: [diskStore(), new MemoryKeyvAdapter(), new BrokenStore()] });

    expect(cache.stats().tiers.map((t) => t.name)).toEqual([
      'memory',
      'disk',
      'memory-keyv',
      'keyv',
    ]);
  });

  it('reports the size and evictions of the disk tier in stats()', async () => {
    const cache = new Cache({ stores: [diskStore()] });
    await cache.set('a', 1);
    await cache.set('b', 2);

    expect(cache.stats().tiers[1]).toMatchObject({ name: 'disk', size: 2, evictions: 0 });
  });

  it('promotes from the second lower tier into the first', async () => {
    const disk = diskStore();
    const keyv = new Keyv();
    const cache = new Cache({ memory: false, stores: [disk, keyv] });
    await keyv.set('k', 'from-keyv');

    expect(await cache.get('k')).toBe('from-keyv');

    expect(await disk.get('k')).toBe('from-keyv');
  });

  it('expires entries in every tier after the ttl', async () => {
    const clock = manualClock();
    const cache = new Cache({ stores: [diskStore(clock)], ttl: 1_000, clock });
    await cache.set('k', 'v');

    clock.advance(1_001);

    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
  });

  it('deletes from every tier and clears every tier', async () => {
    const disk = diskStore();
    const cache = new Cache({ stores: [disk] });
    await cache.set('a', 1);
    await cache.set('b', 2);

    expect(await cache.delete('a')).toBe(true);
    expect(await disk.get('a')).toBeUndefined();
    await cache.clear();

    expect(await cache.get('b')).toBeUndefined();
    expect(await disk.get('b')).toBeUndefined();
  });

  describe('a failing lower tier', () => {
    it('turns into a miss plus an error event on get', async () => {
      const broken = new BrokenStore();
      const cache = new Cache({ stores: [broken] });
      const errors: unknown[] = [];
      cache.on('error', (error, context) => errors.push([String(error), context]));

      const value = await cache.get('k');

      expect(value).toBeUndefined();
      expect(errors).toEqual([
        ['Error: ECONNREFUSED', { tier: 'keyv', operation: 'get', key: 'k' }],
      ]);
      expect(cache.stats().errors).toBe(1);
    });

    it('keeps the upper tiers’ value when its write fails', async () => {
      const cache = new Cache({ stores: [new BrokenStore()] });

      await expect(cache.set('k', 'v')).resolves.toBeUndefined();

      expect(await cache.get('k')).toBe('v');
    });

    it('keeps serving from the tiers that work', async () => {
      const disk = diskStore();
      const cache = new Cache({ memory: false, stores: [new BrokenStore(), disk] });
      await disk.set('k', 'v');

      expect(await cache.get('k')).toBe('v');
    });

    it('counts as failed once tierTimeoutMs passes without an answer', async () => {
      vi.useFakeTimers();
      const cache = new Cache({ stores: [new HangingStore()], tierTimeoutMs: 50 });
      const errors: unknown[] = [];
      cache.on('error', (error) => errors.push(error));

      const pending = cache.get('k');
      await vi.advanceTimersByTimeAsync(50);

      expect(await pending).toBeUndefined();
      expect(errors[0]).toBeInstanceOf(TierTimeoutError);
      expect(errors[0]).toMatchObject({ code: 'ERR_CACHE_TIER_TIMEOUT', timeoutMs: 50 });
    });

    it('does not throw when nobody listens for errors', async () => {
      const cache = new Cache({ stores: [new BrokenStore()] });

      await expect(cache.get('k')).resolves.toBeUndefined();
    });
  });

  describe('wrap', () => {
    it('runs fn once for concurrent misses and gives every caller its result', async () => {
      const cache = new Cache({ stores: [diskStore()] });
      let release!: (value: string) => void;
      const fn = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));

      const callers = Promise.all([cache.wrap('k', fn), cache.wrap('k', fn), cache.wrap('k', fn)]);
      await vi.waitFor(() => expect(fn).toHaveBeenCalled());
      release('result');

      expect(await callers).toEqual(['result', 'result', 'result']);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(await cache.get('k')).toBe('result');
    });

    it('gives every concurrent caller the error and does not cache it', async () => {
      const cache = new Cache();
      const fn = vi.fn(async () => {
        throw new Error('backend down');
      });

      const results = await Promise.allSettled([cache.wrap('k', fn), cache.wrap('k', fn)]);
      await expect(cache.wrap('k', async () => 'recovered')).resolves.toBe('recovered');

      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('caches the error for errorTtl when asked', async () => {
      const clock = manualClock();
      const cache = new Cache({ clock });
      const failing = vi.fn(async () => {
        throw new Error('backend down');
      });
      await expect(cache.wrap('k', failing, { errorTtl: 1_000 })).rejects.toThrow('backend down');

      await expect(cache.wrap('k', async () => 'ok')).rejects.toThrow('backend down');
      clock.advance(1_001);

      await expect(cache.wrap('k', async () => 'ok')).resolves.toBe('ok');
    });

    it('returns the cached value without calling fn', async () => {
      const cache = new Cache();
      await cache.set('k', 'cached');
      const fn = vi.fn(async () => 'fresh');

      expect(await cache.wrap('k', fn)).toBe('cached');
      expect(fn).not.toHaveBeenCalled();
    });

    it('serves a stale value and refreshes it once in the background', async () => {
      const clock = manualClock();
      const cache = new Cache({ ttl: 1_000, staleWhileRevalidateMs: 500, clock });
      await cache.set('k', 'old');
      clock.advance(1_200);
      const fn = vi.fn(async () => 'new');

      const served = await Promise.all([cache.wrap('k', fn), cache.wrap('k', fn)]);
      await vi.waitFor(() => expect(cache.stats().inflight).toBe(0));

      expect(served).toEqual(['old', 'old']);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(await cache.get('k')).toBe('new');
      expect(cache.stats().refreshes).toBe(1);
    });

    it('serves a stale value found in a lower tier and refreshes it', async () => {
      const clock = manualClock();
      const disk = diskStore(clock);
      const cache = new Cache({
        memory: false,
        stores: [disk],
        ttl: 1_000,
        staleWhileRevalidateMs: 500,
        clock,
      });
      await cache.set('k', 'old');
      clock.advance(1_200);

      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.wrap('k', async () => 'new')).toBe('old');
      await vi.waitFor(async () => expect(await cache.get('k')).toBe('new'));
    });

    it('calls fn again once the stale window is over', async () => {
      const clock = manualClock();
      const cache = new Cache({ ttl: 1_000, staleWhileRevalidateMs: 500, clock });
      await cache.set('k', 'old');
      clock.advance(1_501);

      expect(await cache.wrap('k', async () => 'new')).toBe('new');
    });
  });

  describe('bad input', () => {
    it('rejects non-string keys with InvalidKeyError', async () => {
      const cache = new Cache();

      await expect(cache.set(7 as unknown as string, 'v')).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.get(undefined as unknown as string)).rejects.toBeInstanceOf(
        InvalidKeyError,
      );
      await expect(cache.wrap({} as unknown as string, async () => 1)).rejects.toBeInstanceOf(
        InvalidKeyError,
      );
    });

    it.each([
      ['a function', () => 1, 'value is a function'],
      ['a BigInt', 1n, 'value is a BigInt'],
      ['a nested function', { a: [{ fn: () => 1 }] }, 'value.a[0].fn is a function'],
      ['a Map', new Map(), 'value is a Map instance'],
      ['undefined', undefined, 'value is undefined'],
    ])('rejects %s, naming where it is, and stores nothing', async (_name, value, message) => {
      const disk = diskStore();
      const cache = new Cache({ stores: [disk] });

      await expect(cache.set('k', value)).rejects.toThrow(message);

      await expect(cache.set('k', value)).rejects.toBeInstanceOf(UnserializableValueError);
      expect(await cache.get('k')).toBeUndefined();
      expect(await disk.has('k')).toBe(false);
    });

    it('rejects a circular value', async () => {
      const cache = new Cache();
      const value: Record<string, unknown> = { list: [] };
      (value.list as unknown[]).push(value);

      await expect(cache.set('k', value)).rejects.toThrow('value.list[0] is circular');
    });

    it('accepts shared references that are not circular', async () => {
      const cache = new Cache();
      const shared = { x: 1 };

      await cache.set('k', { a: shared, b: shared });

      expect(await cache.get('k')).toEqual({ a: { x: 1 }, b: { x: 1 } });
    });

    it.each([-5, Number.NaN])(
      'rejects ttl %s with InvalidTtlError and stores nothing',
      async (ttl) => {
        const cache = new Cache();

        await expect(cache.set('k', 'v', { ttl })).rejects.toBeInstanceOf(InvalidTtlError);
        expect(await cache.get('k')).toBeUndefined();
      },
    );

    it('rejects invalid options naming the option', () => {
      expect(() => new Cache({ ttl: -1 })).toThrow(InvalidTtlError);
      expect(() => new Cache({ tierTimeoutMs: 0 })).toThrow(/tierTimeoutMs/);
      expect(() => new Cache({ staleWhileRevalidateMs: -1 })).toThrow(/staleWhileRevalidateMs/);
      expect(() => new Cache({ stores: [{} as never] })).toThrow(/stores/);
    });
  });

  it('closes its lower tiers once, however often close() is called', async () => {
    const disk = diskStore();
    const close = vi.spyOn(disk, 'close');
    const cache = new Cache({ stores: [disk] });

    await Promise.all([cache.close(), cache.close()]);

    expect(close).toHaveBeenCalledTimes(1);
  });
});

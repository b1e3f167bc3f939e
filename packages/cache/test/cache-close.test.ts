import Keyv from 'keyv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cache, DiskStore, isCacheError, StoreClosedError } from '../src/index.js';
import { manualClock, nextTurn, tempDir } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function diskDir(): string {
  const { dir, remove } = tempDir();
  cleanups.push(remove);
  return dir;
}

describe('Cache.close()', () => {
  it('rejects every new call with StoreClosedError (ERR_CACHE_CLOSED)', async () => {
    const cache = new Cache();
    await cache.set('k', 'v');

    await cache.close();

    await expect(cache.get('k')).rejects.toBeInstanceOf(StoreClosedError);
    await expect(cache.set('k', 'v')).rejects.toMatchObject({ code: 'ERR_CACHE_CLOSED' });
    await expect(cache.wrap('k', async () => 'v')).rejects.toMatchObject({
      code: 'ERR_CACHE_CLOSED',
    });
    await expect(cache.has('k')).rejects.toMatchObject({ code: 'ERR_CACHE_CLOSED' });
    await expect(cache.delete('k')).rejects.toMatchObject({ code: 'ERR_CACHE_CLOSED' });
    await expect(cache.clear()).rejects.toMatchObject({ code: 'ERR_CACHE_CLOSED' });
  });

  it('rejects new calls from the moment it is called, while it waits', async () => {
    const cache = new Cache();
    const loader = deferred<string>();
    const running = cache.wrap('a', () => loader.promise);

    const closing = cache.close();

    await expect(cache.wrap('a', async () => 'again')).rejects.toSatisfy((error) =>
      isCacheError(error, 'ERR_CACHE_CLOSED'),
    );
    loader.resolve('A');
    await closing;
    await expect(running).resolves.toBe('A');
  });

  it('waits for a running wrap() loader, writes its result to every tier, then closes the tiers', async () => {
    const dir = diskDir();
    const disk = new DiskStore({ dir, sweepIntervalMs: 0 });
    const order: string[] = [];
    const set = disk.set.bind(disk);
    vi.spyOn(disk, 'set').mockImplementation((...args) => {
      order.push('set');
      return set(...args);
    });
    const close = disk.close.bind(disk);
    vi.spyOn(disk, 'close').mockImplementation(() => {
      order.push('close');
      return close();
    });
    const cache = new Cache({ stores: [disk] });
    const loader = deferred<string>();
    const fn = vi.fn(() => loader.promise);
    const running = cache.wrap('k', fn);
    await vi.waitFor(() => expect(fn).toHaveBeenCalled());

    let closed = false;
    const closing = cache.close().then(() => {
      closed = true;
    });
    await nextTurn();
    expect(closed).toBe(false);
    loader.resolve('result');
    await closing;

    expect(await running).toBe('result');
    expect(order).toEqual(['set', 'close']);
    const reopened = new DiskStore({ dir, sweepIntervalMs: 0 });
    cleanups.push(() => reopened.close());
    expect(await reopened.get('k')).toBe('result');
  });

  it('still closes the tiers when a running loader fails, and its callers get the error', async () => {
    const keyv = new Keyv();
    const disconnect = vi.spyOn(keyv, 'disconnect');
    const cache = new Cache({ stores: [keyv] });
    const loader = deferred<string>();
    const running = cache.wrap('k', () => loader.promise);
    running.catch(() => {});

    const closing = cache.close();
    loader.reject(new Error('backend down'));
    await closing;

    await expect(running).rejects.toThrow('backend down');
    expect(disconnect).toHaveBeenCalledTimes(1);
  });

  it('waits for a background refresh started before it', async () => {
    const clock = manualClock();
    const keyv = new Keyv();
    const cache = new Cache({ stores: [keyv], ttl: 1_000, staleWhileRevalidateMs: 500, clock });
    await cache.set('k', 'old');
    clock.advance(1_200);
    const refresh = deferred<string>();

    expect(await cache.wrap('k', () => refresh.promise)).toBe('old');
    const closing = cache.close();
    refresh.resolve('new');
    await closing;

    expect(await keyv.get('k')).toBe('new');
    expect(cache.stats()).toMatchObject({ refreshes: 1, inflight: 0 });
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type DiskReset,
  DiskStore,
  InvalidKeyError,
  InvalidTtlError,
  StoreClosedError,
  UnserializableValueError,
} from '../src/index.js';
import { manualClock, nextTurn, tempDir } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(options: Partial<ConstructorParameters<typeof DiskStore>[0]> = {}) {
  const { dir, remove } = tempDir();
  const clock = manualClock();
  const store = new DiskStore({ dir, clock, sweepIntervalMs: 0, ...options });
  cleanups.push(remove, () => store.close());
  return { dir, clock, store };
}

describe('DiskStore', () => {
  it('round-trips JSON-like values, Dates, Buffers and Uint8Arrays', async () => {
    const { store } = setup();
    const value = {
      a: [1, 'two', null, true],
      at: new Date(5),
      nested: { bin: Buffer.from('hi') },
    };

    await store.set('obj', value);
    await store.set('str', 'plain');
    await store.set('buf', Buffer.from([1, 2, 3]));
    await store.set('u8', new Uint8Array([4, 5]));

    expect(await store.get('obj')).toEqual(value);
    expect(await store.get('str')).toBe('plain');
    expect(Buffer.isBuffer(await store.get('buf'))).toBe(true);
    expect(await store.get('buf')).toEqual(Buffer.from([1, 2, 3]));
    expect(await store.get('u8')).toEqual(new Uint8Array([4, 5]));
  });

  it('keeps values across a close and reopen of the directory', async () => {
    const { dir, store } = setup();
    await store.set('k', { kept: true });
    await store.close();

    const reopened = new DiskStore({ dir, sweepIntervalMs: 0 });
    cleanups.push(() => reopened.close());

    expect(await reopened.get('k')).toEqual({ kept: true });
  });

  it('never returns an expired entry', async () => {
    const { clock, store } = setup();
    await store.set('k', 'v', 1_000);

    clock.advance(1_000);
    expect(await store.get('k')).toBe('v');
    clock.advance(1);

    expect(await store.get('k')).toBeUndefined();
    expect(await store.has('k')).toBe(false);
    expect(await store.getEntry('k')).toBeUndefined();
  });

  it('reports the absolute expiry of an entry', async () => {
    const { clock, store } = setup();
    await store.set('k', 'v', 500);

    expect(await store.getEntry('k')).toEqual({ value: 'v', expiresAt: clock.now() + 500 });
  });

  it('reclaims the space of expired entries in a sweep, without reads', async () => {
    const { clock, store } = setup();
    await store.set('short', 'x'.repeat(100), 100);
    await store.set('long', 'y', 10_000);
    const before = store.stats().bytes;

    clock.advance(101);
    const result = await store.sweep();

    expect(result.expired).toBe(1);
    expect(store.stats()).toMatchObject({ entries: 1, expirations: 1 });
    expect(store.stats().bytes).toBeLessThan(before);
    expect(await store.get('long')).toBe('y');
  });

  it('sweeps on its own timer, set through the injected clock', async () => {
    const { clock, store } = setup({ sweepIntervalMs: 1_000 });
    await store.set('k', 'v', 10);
    clock.advance(20);

    clock.advance(1_000);
    await vi.waitFor(() => expect(store.stats().expirations).toBe(1));

    expect(store.stats().entries).toBe(0);
  });

  it('evicts the least recently used entries once maxEntries is passed', async () => {
    const { clock, store } = setup({ maxEntries: 10 });
    for (let i = 0; i < 10; i++) {
      await store.set(`k${i}`, i);
      clock.advance(1);
    }
    await store.get('k0'); // k0 becomes the most recently used
    clock.advance(1);

    await store.set('k10', 10);
    await store.sweep();

    const { entries, evictions } = store.stats();
    expect(entries).toBeLessThanOrEqual(10);
    expect(evictions).toBeGreaterThan(0);
    expect(await store.get('k0')).toBe(0);
    expect(await store.get('k10')).toBe(10);
    expect(await store.get('k1')).toBeUndefined();
  });

  it('honours a bound of a single entry', async () => {
    const { store } = setup({ maxEntries: 1 });
    await store.set('a', 1);

    await store.set('b', 2);
    await store.sweep();

    expect(store.stats().entries).toBe(1);
    expect(await store.get('b')).toBe(2);
  });

  it('stays under maxBytes while writing many times that amount', async () => {
    const { store } = setup({ maxBytes: 64 * 1024 });
    const value = 'v'.repeat(1_000);

    for (let i = 0; i < 400; i++) await store.set(`key-${i}`, value);
    await store.sweep();

    expect(store.stats().bytes).toBeLessThanOrEqual(64 * 1024);
    expect(store.stats().evictions).toBeGreaterThan(300);
    expect(await store.get('key-399')).toBe(value);
  });

  it('accounts the bytes of writes batched in one turn like the same writes one by one', async () => {
    const batched = setup().store;
    const serial = setup().store;
    const writes: Array<[string, string]> = [
      ['a', 'x'.repeat(100)],
      ['b', 'y'.repeat(300)],
      ['a', 'z'.repeat(50)],
    ];

    await Promise.all(writes.map(([key, value]) => batched.set(key, value)));
    for (const [key, value] of writes) await serial.set(key, value);
    await Promise.all([batched.delete('b'), batched.set('c', 'w')]);
    await serial.delete('b');
    await serial.set('c', 'w');

    expect(batched.stats().bytes).toBeGreaterThan(0);
    expect(batched.stats()).toMatchObject({ bytes: serial.stats().bytes, entries: 2 });
  });

  it('counts zero bytes after a clear() batched behind a set in the same turn', async () => {
    const { store } = setup();

    await Promise.all([store.set('a', 'x'.repeat(100)), store.clear()]);

    expect(store.stats()).toMatchObject({ bytes: 0, entries: 0 });
  });

  it('deletes one or many keys and tells whether any existed', async () => {
    const { store } = setup();
    await store.set('a', 1);
    await store.set('b', 2);

    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(await store.deleteMany(['b', 'zz'])).toBe(true);
    expect(await store.deleteMany(['b'])).toBe(false);
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('clears only its namespace when Keyv set one', async () => {
    const { store } = setup();
    await store.set('ns1:a', 1);
    await store.set('ns2:a', 2);

    store.namespace = 'ns1';
    await store.clear();

    expect(await store.get('ns1:a')).toBeUndefined();
    expect(await store.get('ns2:a')).toBe(2);
  });

  it('iterates the live entries of one namespace', async () => {
    const { clock, store } = setup();
    await store.set('ns:a', 1);
    await store.set('ns:b', 2, 10);
    await store.set('other:c', 3);
    clock.advance(11);

    const seen: unknown[][] = [];
    for await (const entry of store.iterator('ns')) seen.push(entry);

    expect(seen).toEqual([['ns:a', 1]]);
  });

  it('lets two instances on one directory see each other’s writes from the next event-loop turn', async () => {
    const { dir, store } = setup();
    const second = new DiskStore({ dir, sweepIntervalMs: 0 });
    cleanups.push(() => second.close());

    await store.set('from-first', 1);
    await second.set('from-second', 2);
    await nextTurn(); // a read snapshot lasts one event-loop turn (lmdb-js reuses it until then)

    expect(await second.get('from-first')).toBe(1);
    expect(await store.get('from-second')).toBe(2);
  });

  it('rejects non-string and over-long keys with InvalidKeyError', async () => {
    const { store } = setup();

    await expect(store.set(42 as unknown as string, 'v')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.set('k'.repeat(5_000), 'v')).rejects.toThrow(/cacheKey/);
    await expect(store.get({} as unknown as string)).rejects.toMatchObject({
      code: 'ERR_CACHE_INVALID_KEY',
    });
  });

  it.each([
    ['a function', () => 1],
    ['a BigInt', 10n],
    ['a symbol', Symbol('s')],
    [
      'a circular object',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
    ],
  ])('rejects %s and stores nothing', async (_name, value) => {
    const { store } = setup();

    await expect(store.set('k', value)).rejects.toBeInstanceOf(UnserializableValueError);

    expect(await store.has('k')).toBe(false);
    expect(store.stats().entries).toBe(0);
  });

  it.each([-1, Number.NaN, '5'])('rejects ttl %s with InvalidTtlError', async (ttl) => {
    const { store } = setup();

    await expect(store.set('k', 'v', ttl as number)).rejects.toBeInstanceOf(InvalidTtlError);
    expect(await store.has('k')).toBe(false);
  });

  it('rejects invalid options naming the option', () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);

    expect(() => new DiskStore({ dir: '' })).toThrow(TypeError);
    expect(() => new DiskStore({ dir, maxBytes: -1 })).toThrow(/maxBytes/);
    expect(() => new DiskStore({ dir, maxEntries: 1.5 })).toThrow(/maxEntries/);
    expect(() => new DiskStore({ dir, ttl: -5 })).toThrow(InvalidTtlError);
    expect(() => new DiskStore({ dir, syncWrites: 'yes' as unknown as boolean })).toThrow(
      /syncWrites/,
    );
  });

  it('closes idempotently and then refuses work with StoreClosedError', async () => {
    const { store } = setup();

    await Promise.all([store.close(), store.close()]);

    await expect(store.get('k')).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.set('k', 'v')).rejects.toMatchObject({ code: 'ERR_CACHE_CLOSED' });
  });

  it('counts hits, misses and sets in stats()', async () => {
    const { store } = setup();
    await store.set('k', 'v');
    await store.get('k');
    await store.get('missing');

    expect(store.stats()).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5, sets: 1, entries: 1 });
  });
});

describe('DiskStore after a machine crash or a damaged file', () => {
  it('moves a garbage data file aside, starts empty and emits reset', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    writeFileSync(join(dir, 'cache.mdb'), randomBytes(64 * 1024));

    const store = new DiskStore({ dir, sweepIntervalMs: 0 });
    cleanups.push(() => store.close());
    const [reset] = (await once(store, 'reset')) as [DiskReset];

    expect(reset).toMatchObject({
      reason: 'not-an-lmdb-file',
      movedTo: join(dir, 'cache.mdb.damaged'),
    });
    expect(existsSync(reset.movedTo)).toBe(true);
    expect(store.stats().entries).toBe(0);
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
  });

  it('starts empty when a writer without fsync was open as the machine went down', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const first = new DiskStore({ dir, sweepIntervalMs: 0, syncWrites: false });
    await first.set('k', 'v');
    await first.close();
    // What a writer of an earlier boot leaves behind when it never got to close.
    writeFileSync(join(dir, 'cache.mdb.unsynced-an-earlier-boot-4242'), '');

    const store = new DiskStore({ dir, sweepIntervalMs: 0 });
    cleanups.push(() => store.close());
    const [reset] = (await once(store, 'reset')) as [DiskReset];

    expect(reset.reason).toBe('unclean-os-shutdown');
    expect(await store.get('k')).toBeUndefined();
    expect(markerFiles(dir)).toHaveLength(1); // only this process's own
  });

  it('keeps the data of a writer that died in this boot, and after a clean close leaves no marker', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const first = new DiskStore({ dir, sweepIntervalMs: 0, syncWrites: false });
    await first.set('k', 'v');
    await first.close();
    expect(markerFiles(dir)).toEqual([]);
    // A SIGKILLed writer of this boot: its pages are in the OS cache, so they are kept.
    const deadPid = 2 ** 22 + 1; // above Linux's pid_max: no such process
    writeFileSync(join(dir, `cache.mdb.unsynced-${currentBootId()}-${deadPid}`), '');
    const onReset = vi.fn();

    const store = new DiskStore({ dir, sweepIntervalMs: 0 });
    store.on('reset', onReset);
    cleanups.push(() => store.close());
    await nextTurn();

    expect(onReset).not.toHaveBeenCalled();
    expect(await store.get('k')).toBe('v');
    expect(markerFiles(dir)).toHaveLength(1); // the dead writer's is gone, this process's is there
  });

  it('drops its marker when the process exits without close()', () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const child = fileURLToPath(new URL('./fixtures/exit-without-close.ts', import.meta.url));

    execFileSync(process.execPath, ['--import', 'tsx', child, dir]);

    expect(markerFiles(dir)).toEqual([]);
  });

  it('with syncWrites: true, leaves no marker at all', async () => {
    const { store, dir } = setup({ syncWrites: true });
    await store.set('k', 'v');

    expect(markerFiles(dir)).toEqual([]);
  });
});

function markerFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.includes('.unsynced-'));
}

function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return `t${Math.round(Date.now() / 1000 - uptime())}`;
  }
}

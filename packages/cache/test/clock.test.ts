import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Cache,
  type Clock,
  DiskStore,
  MemoryCache,
  systemClock,
  TierTimeoutError,
} from '../src/index.js';
import { HangingStore, manualClock, tempDir } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Keyv adapter whose get answers only when the test says so. */
class DeferredStore extends EventEmitter {
  opts = {};
  namespace: string | undefined;
  answer: (value: undefined) => void = () => {};
  get = (): Promise<undefined> => new Promise((resolve) => (this.answer = resolve));
  set = async (): Promise<boolean> => true;
  delete = async (): Promise<boolean> => true;
  clear = async (): Promise<void> => {};
}

function diskStore(options: Partial<ConstructorParameters<typeof DiskStore>[0]> = {}) {
  const { dir, remove } = tempDir();
  const clock = manualClock();
  const store = new DiskStore({ dir, clock, sweepIntervalMs: 0, ...options });
  cleanups.push(remove, () => store.close());
  return { clock, store };
}

describe('systemClock', () => {
  it('reads the timer globals at call time, so fake timers installed later apply', () => {
    vi.useFakeTimers({ now: 1_000 });
    const callback = vi.fn();

    systemClock.setTimeout(callback, 50);
    vi.advanceTimersByTime(50);

    expect(callback).toHaveBeenCalledTimes(1);
    expect(systemClock.now()).toBe(1_050);
  });

  it('returns ref’d Node timers, which clearTimeout cancels', () => {
    const callback = vi.fn();
    const handle = systemClock.setTimeout(callback, 60_000) as NodeJS.Timeout;

    try {
      expect(handle.hasRef()).toBe(true);
    } finally {
      systemClock.clearTimeout(handle);
    }
  });
});

describe('Cache tier timeouts', () => {
  it('set a ref’d timer through the injected clock while a tier get is awaited, and clear it once it answers', async () => {
    const clock = manualClock();
    const store = new DeferredStore();
    const cache = new Cache({ stores: [store], tierTimeoutMs: 50, clock });

    const pending = cache.get('k');
    await vi.waitFor(() => expect(clock.pending()).toEqual([{ ms: 50, ref: true }]));
    store.answer(undefined);

    expect(await pending).toBeUndefined();
    expect(clock.pending()).toEqual([]);
  });

  it('fire on the injected clock: a hung tier is a miss plus a TierTimeoutError event', async () => {
    const clock = manualClock();
    const cache = new Cache({ stores: [new HangingStore()], tierTimeoutMs: 50, clock });
    const errors: unknown[] = [];
    cache.on('error', (error, context) => errors.push([error, context]));

    const pending = cache.get('k');
    await vi.waitFor(() => expect(clock.pending()).toHaveLength(1));
    clock.advance(50);

    expect(await pending).toBeUndefined();
    expect(errors).toEqual([
      [expect.any(TierTimeoutError), { tier: 'keyv', operation: 'get', key: 'k' }],
    ]);
    expect(clock.pending()).toEqual([]);
  });
});

describe('DiskStore timers', () => {
  it('unrefs its sweep timer and its read-time flush timer, both set through the injected clock', async () => {
    const { store, clock } = diskStore({ sweepIntervalMs: 1_000, accessFlushIntervalMs: 500 });
    await store.set('k', 'v');

    await store.get('k');

    expect(clock.pending()).toEqual([
      { ms: 1_000, ref: false },
      { ms: 500, ref: false },
    ]);
  });

  it('arms the next sweep once one has run', async () => {
    const { store, clock } = diskStore({ sweepIntervalMs: 1_000 });
    const sweep = vi.spyOn(store, 'sweep');

    clock.advance(1_000);
    await vi.waitFor(() => expect(clock.pending()).toEqual([{ ms: 1_000, ref: false }]));
    clock.advance(1_000);

    expect(sweep).toHaveBeenCalledTimes(2);
  });

  it('clears every timer on close(), so nothing is left pending', async () => {
    const { store, clock } = diskStore({ sweepIntervalMs: 1_000, accessFlushIntervalMs: 500 });
    await store.set('k', 'v');
    await store.get('k');

    await store.close();

    expect(clock.pending()).toEqual([]);
  });
});

describe('the clock option', () => {
  const nowOnly = { now: () => 0 } as unknown as Clock;

  it.each([
    ['Cache', () => new Cache({ clock: nowOnly })],
    ['MemoryCache', () => new MemoryCache({ clock: nowOnly })],
    ['DiskStore', () => new DiskStore({ dir: '/nonexistent/never-created', clock: nowOnly })],
  ])('%s rejects a clock without setTimeout and clearTimeout, naming the option', (_, create) => {
    expect(create).toThrow(TypeError);
    expect(create).toThrow(/clock must have now\(\), setTimeout/);
  });
});

import { describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../src/pipeline/idempotency.js';

describe('IdempotencyStore', () => {
  it('answers a repeat inside the window with the first result without running again', async () => {
    let now = 0;
    const store = new IdempotencyStore({ windowMs: 1000, maxKeys: 10_000, now: () => now });
    let runs = 0;
    const run = async () => ++runs;

    const first = await store.run('k', run).promise;
    now = 999;
    const repeat = store.run('k', run);

    expect(await repeat.promise).toBe(first);
    expect(repeat.replayed).toBe(true);
    expect(runs).toBe(1);
  });

  it('shares a call that is still running', async () => {
    const store = new IdempotencyStore({ windowMs: 60_000, maxKeys: 10_000 });
    let runs = 0;
    let finish!: (value: string) => void;
    const run = () => {
      runs += 1;
      return new Promise<string>((resolve) => (finish = resolve));
    };

    const a = store.run('k', run);
    const b = store.run('k', run);
    finish('done');

    expect(await Promise.all([a.promise, b.promise])).toEqual(['done', 'done']);
    expect(runs).toBe(1);
  });

  it('runs again once the window has passed', async () => {
    let now = 0;
    const store = new IdempotencyStore({ windowMs: 1000, maxKeys: 10_000, now: () => now });
    let runs = 0;
    await store.run('k', async () => ++runs).promise;

    now = 1000;
    const later = store.run('k', async () => ++runs);

    expect(await later.promise).toBe(2);
    expect(later.replayed).toBe(false);
  });

  it('forgets a failed call so a retry runs', async () => {
    const store = new IdempotencyStore({ windowMs: 60_000, maxKeys: 10_000 });
    await expect(
      store.run('k', async () => Promise.reject(new Error('boom'))).promise,
    ).rejects.toThrow('boom');

    const retry = store.run('k', async () => 'ok');

    expect(retry.replayed).toBe(false);
    expect(await retry.promise).toBe('ok');
  });

  it('keeps at most maxKeys keys, dropping the oldest', async () => {
    const store = new IdempotencyStore({ windowMs: 60_000, maxKeys: 2 });
    await store.run('a', async () => 1).promise;
    await store.run('b', async () => 2).promise;
    await store.run('c', async () => 3).promise;

    expect(store.stats().keys).toBe(2);
    expect(store.run('a', async () => 4).replayed).toBe(false);
  });

  it('rejects invalid options with a RangeError naming the option', () => {
    expect(() => new IdempotencyStore({ windowMs: -1, maxKeys: 10 })).toThrow(/windowMs/);
    expect(() => new IdempotencyStore({ windowMs: 1000, maxKeys: 0 })).toThrow(RangeError);
  });
});

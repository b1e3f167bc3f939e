import { describe, expect, it } from 'vitest';
import type {
  SharedIdempotencyWindow,
  SharedWindowRun,
} from '../src/backends/redis-idempotency.js';
import { demoCategory } from '../src/catalog/builtins/demo.js';
import { CategoryRegistry } from '../src/catalog/index.js';
import { Dispatcher } from '../src/pipeline/dispatcher.js';
import { IdempotencyStore } from '../src/pipeline/idempotency.js';
import { ImmediateScheduler, MapCache, passThroughGuard } from './fakes.js';

/** A shared window whose answers the test scripts: `replay` plays another instance's outcome. */
function scriptedWindow(replay?: unknown) {
  const asked: { key: string; options: SharedWindowRun }[] = [];
  const window: SharedIdempotencyWindow = {
    async run<T>(key: string, fn: () => Promise<T>, options: SharedWindowRun) {
      asked.push({ key, options });
      if (replay !== undefined) return { value: replay as T, replayed: true };
      return { value: await fn(), replayed: false };
    },
  };
  return { window, asked };
}

describe('IdempotencyStore with a window shared across instances', () => {
  it("answers with another instance's outcome, marked replayed once it has settled", async () => {
    const { window, asked } = scriptedWindow('their result');
    const store = new IdempotencyStore({ windowMs: 60_000, maxKeys: 10, shared: window });
    let runs = 0;

    const remembered = store.run('k', async () => ++runs);
    const value = await remembered.promise;

    expect(value).toBe('their result');
    expect(remembered.replayed).toBe(true);
    expect(runs).toBe(0);
    expect(asked.map((each) => each.key)).toEqual(['k']);
  });

  it('asks the shared window once per key: a repeat on this instance replays locally', async () => {
    const { window, asked } = scriptedWindow();
    const store = new IdempotencyStore({ windowMs: 60_000, maxKeys: 10, shared: window });
    const controller = new AbortController();

    const first = store.run('k', async () => 'mine', controller.signal);
    const repeat = store.run('k', async () => 'again');

    expect(await first.promise).toBe('mine');
    expect(first.replayed).toBe(false);
    expect(await repeat.promise).toBe('mine');
    expect(repeat.replayed).toBe(true);
    expect(asked).toEqual([{ key: 'k', options: { windowMs: 60_000, signal: controller.signal } }]);
  });

  it('forgets a key whose call failed, so the next call asks the shared window again', async () => {
    const { window, asked } = scriptedWindow();
    const store = new IdempotencyStore({ windowMs: 60_000, maxKeys: 10, shared: window });

    await expect(
      store.run('k', async () => {
        throw new Error('boom');
      }).promise,
    ).rejects.toThrow('boom');
    const retry = store.run('k', async () => 'ok');

    expect(await retry.promise).toBe('ok');
    expect(retry.replayed).toBe(false);
    expect(asked).toHaveLength(2);
  });

  it('never asks the shared window when the window is 0 ms', async () => {
    const { window, asked } = scriptedWindow('their result');
    const store = new IdempotencyStore({ windowMs: 0, maxKeys: 10, shared: window });

    const remembered = store.run('k', async () => 'mine');

    expect(await remembered.promise).toBe('mine');
    expect(remembered.replayed).toBe(false);
    expect(asked).toHaveLength(0);
  });
});

describe('Dispatcher with a window shared across instances', () => {
  it('answers a keyed call another instance made with its result, replayed: true, without running the tool', async () => {
    const theirs = { result: { value: 'from the other instance' }, cached: false };
    const registry = new CategoryRegistry();
    registry.register(demoCategory());
    const dispatcher = new Dispatcher({
      registry,
      scheduler: new ImmediateScheduler(),
      guard: passThroughGuard,
      cache: new MapCache(),
      idempotency: new IdempotencyStore({
        windowMs: 60_000,
        maxKeys: 10,
        shared: scriptedWindow(theirs).window,
      }),
      observers: [],
      categoryPriority: () => 0,
      defaultCacheTtlMs: 60_000,
    });

    const answer = await dispatcher.dispatch({
      category: 'demo',
      tool: 'echo',
      params: { value: 'mine' },
      idempotencyKey: 'k',
    });

    expect(answer).toMatchObject({
      result: { value: 'from the other instance' },
      replayed: true,
      cached: false,
    });
    expect(dispatcher.stats()).toMatchObject({ replayed: 1, cacheHits: 0 });
  });
});

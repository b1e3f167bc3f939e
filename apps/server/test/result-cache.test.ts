import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TieredResultCache } from '../src/backends/index.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function diskCache(dir: string, writeBehindMaxPending?: number) {
  const cache = new TieredResultCache({
    memoryMaxEntries: 100,
    diskDir: dir,
    diskMaxBytes: 16 * 1024 ** 2,
    namespace: 'test',
    ...(writeBehindMaxPending === undefined ? {} : { writeBehindMaxPending }),
  });
  cleanups.push(() => cache.close());
  return cache;
}

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'x-server-result-cache-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('TieredResultCache', () => {
  it('answers a set before the disk tier has it, and writes it behind (landed by close)', async () => {
    const dir = await tempDir();
    const first = await diskCache(dir);

    await first.set('k', { answer: 42 }, 60_000);
    // Answered from memory; the disk write is still queued.
    expect(first.stats()).toMatchObject({ pendingWrites: 1, droppedWrites: 0 });
    expect(await first.get('k')).toEqual({ value: { answer: 42 } });
    await first.close();

    const second = await diskCache(dir);
    expect(await second.get('k')).toEqual({ value: { answer: 42 } });
  });

  it('counts the disk writes it drops when the queue is full; memory still serves them', async () => {
    const cache = await diskCache(await tempDir(), 1);

    await cache.set('a', 1, 60_000);
    await cache.set('b', 2, 60_000);

    expect(cache.stats()).toMatchObject({ pendingWrites: 1, droppedWrites: 1 });
    expect(await cache.get('b')).toEqual({ value: 2 });
  });
});

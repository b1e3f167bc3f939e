import { randomUUID } from 'node:crypto';
import KeyvRedis from '@keyv/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { Cache, MemoryCache } from '../src/index.js';

const redisUrl = process.env.REDIS_URL;
// A namespace per run, so parallel runs against one Redis never see each other's keys.
const namespace = `x-cache-test-${process.pid}-${randomUUID()}`;

const opened: Cache[] = [];
function server(): { cache: Cache; memory: MemoryCache } {
  const memory = new MemoryCache({ max: 100 });
  const cache = new Cache({ memory, stores: [new KeyvRedis(redisUrl)], namespace });
  opened.push(cache);
  return { cache, memory };
}

afterAll(async () => {
  await opened[0]?.clear();
  await Promise.all(opened.map((cache) => cache.close()));
});

const SKIPPED_BECAUSE =
  'SKIPPED because REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379; CI sets it)';
// Said at collection time too: the default reporter names a skipped file, not its suites.
if (!redisUrl) console.warn(`@x/cache Redis tier tests ${SKIPPED_BECAUSE}`);

describe.skipIf(!redisUrl)(
  redisUrl ? 'Redis tier (real Redis at REDIS_URL)' : `Redis tier — ${SKIPPED_BECAUSE}`,
  () => {
    it('shares a value written by one server process with another', async () => {
      const a = server();
      const b = server();

      await a.cache.set('shared', { from: 'a' });

      expect(await b.cache.get('shared')).toEqual({ from: 'a' });
      expect(b.cache.stats().tiers.map((t) => [t.name, t.hits])).toEqual([
        ['memory', 0],
        ['redis', 1],
      ]);
    });

    it('promotes a Redis hit to memory keeping the remaining ttl', async () => {
      const a = server();
      const b = server();
      await a.cache.set('ttl', 'v', { ttl: 60_000 });

      await b.cache.get('ttl');

      const remaining = b.memory.getRemainingTtl('ttl');
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(60_000);
    });

    it('runs wrap’s fn in one process and serves its result to the other', async () => {
      const a = server();
      const b = server();
      await a.cache.wrap('tool-result', async () => 42);

      const value = await b.cache.wrap('tool-result', async () => {
        throw new Error('must not run: the value is in Redis');
      });

      expect(value).toBe(42);
    });

    it('deletes from Redis so the other process misses too', async () => {
      const a = server();
      const b = server();
      await a.cache.set('gone', 'v');

      await a.cache.delete('gone');

      expect(await b.cache.get('gone')).toBeUndefined();
    });

    it('clears only its own namespace', async () => {
      const mine = server();
      const other = new Cache({
        memory: false,
        stores: [new KeyvRedis(redisUrl)],
        namespace: `${namespace}-other`,
      });
      opened.push(other);
      await mine.cache.set('k', 'mine');
      await other.set('k', 'other');

      await mine.cache.clear();

      expect(await other.get('k')).toBe('other');
      await other.clear();
    });
  },
);

describe('an unreachable Redis tier', () => {
  it('turns get into a miss plus an error event, and set keeps the memory value', async () => {
    // Port 1 on loopback refuses connections at once.
    const redis = new KeyvRedis('redis://127.0.0.1:1', {
      throwOnConnectError: true,
      connectionTimeout: 200,
    });
    const cache = new Cache({ stores: [redis], tierTimeoutMs: 500 });
    const errors: unknown[] = [];
    cache.on('error', (error) => errors.push(error));

    const missed = await cache.get('k');
    await cache.set('k', 'v');
    const value = await cache.get('k');
    await cache.close();

    expect(missed).toBeUndefined();
    expect(value).toBe('v');
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});

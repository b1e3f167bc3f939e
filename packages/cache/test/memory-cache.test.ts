import { describe, expect, it, vi } from 'vitest';
import { InvalidKeyError, InvalidTtlError, MemoryCache } from '../src/index.js';
import { manualClock } from './helpers.js';

describe('MemoryCache', () => {
  it('returns what was set and counts hits and misses', () => {
    const cache = new MemoryCache<string>({ max: 10 });
    cache.set('a', 'A');

    expect(cache.get('a')).toBe('A');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5, sets: 1, size: 1 });
  });

  it('evicts the least recently used entry past max and reports the reason', () => {
    const onEvict = vi.fn();
    const cache = new MemoryCache<number>({ max: 2, onEvict });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');

    cache.set('c', 3);

    expect(cache.has('b')).toBe(false);
    expect(cache.has('a')).toBe(true);
    expect(onEvict).toHaveBeenCalledWith('b', 2, 'evict');
    expect(cache.stats().evictions).toBe(1);
  });

  it('bounds the total size by maxSize using sizeOf', () => {
    const cache = new MemoryCache<string>({ maxSize: 10, sizeOf: (value) => value.length });
    cache.set('a', 'xxxx');
    cache.set('b', 'yyyy');

    cache.set('c', 'zzzz');

    expect(cache.has('a')).toBe(false);
    expect(cache.stats().calculatedSize).toBe(8);
  });

  it('expires entries after their ttl on the injected clock', () => {
    const clock = manualClock();
    const onEvict = vi.fn();
    const cache = new MemoryCache<string>({ max: 10, ttl: 1_000, clock, onEvict });
    cache.set('a', 'A');
    cache.set('b', 'B', { ttl: 5_000 });

    clock.advance(1_001);

    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('B');
    expect(onEvict).toHaveBeenCalledWith('a', 'A', 'expire');
    expect(cache.stats().expirations).toBe(1);
  });

  it('treats ttl 0 as never expiring, even with a default ttl', () => {
    const clock = manualClock();
    const cache = new MemoryCache<string>({ max: 10, ttl: 100, clock });
    cache.set('forever', 'x', { ttl: 0 });

    clock.advance(1_000_000);

    expect(cache.get('forever')).toBe('x');
    expect(cache.getRemainingTtl('forever')).toBe(Number.POSITIVE_INFINITY);
  });

  it('reports the remaining ttl, and 0 for a missing key', () => {
    const clock = manualClock();
    const cache = new MemoryCache<string>({ max: 10, clock });
    cache.set('a', 'A', { ttl: 1_000 });

    clock.advance(400);

    expect(cache.getRemainingTtl('a')).toBe(600);
    expect(cache.getRemainingTtl('missing')).toBe(0);
  });

  it('peeks without counting a hit or refreshing recency', () => {
    const cache = new MemoryCache<number>({ max: 2 });
    cache.set('a', 1);
    cache.set('b', 2);

    expect(cache.peek('a')).toBe(1);
    cache.set('c', 3);

    expect(cache.has('a')).toBe(false);
    expect(cache.stats().hits).toBe(0);
  });

  it('reports replaced and deleted entries to onEvict', () => {
    const onEvict = vi.fn();
    const cache = new MemoryCache<number>({ max: 10, onEvict });
    cache.set('a', 1);
    cache.set('a', 2);
    cache.delete('a');

    expect(onEvict.mock.calls).toEqual([
      ['a', 1, 'replace'],
      ['a', 2, 'delete'],
    ]);
  });

  it('purges expired entries on demand', () => {
    const clock = manualClock();
    const cache = new MemoryCache<number>({ max: 10, ttl: 10, clock });
    cache.set('a', 1);
    cache.set('b', 2);
    clock.advance(11);

    expect(cache.purgeStale()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('clears every entry', () => {
    const cache = new MemoryCache<number>({ max: 10 });
    cache.set('a', 1);

    cache.clear();

    expect(cache.size).toBe(0);
  });

  describe('stale-while-revalidate', () => {
    it('hides stale entries from get() unless allowStale is set', () => {
      const clock = manualClock();
      const cache = new MemoryCache<string>({
        max: 10,
        ttl: 100,
        staleWhileRevalidateMs: 50,
        clock,
      });
      cache.set('a', 'old');
      clock.advance(120);

      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('a', { allowStale: true })).toBe('old');
      expect(cache.has('a')).toBe(false);
    });

    it('serves a stale value from fetch() and refreshes it once in the background', async () => {
      const clock = manualClock();
      const cache = new MemoryCache<string>({
        max: 10,
        ttl: 100,
        staleWhileRevalidateMs: 50,
        clock,
      });
      cache.set('a', 'old');
      clock.advance(120);
      let release!: (value: string) => void;
      const loader = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));

      const first = await cache.fetch('a', loader);
      const second = await cache.fetch('a', loader);
      release('new');
      await vi.waitFor(() => expect(cache.get('a')).toBe('new'));

      expect([first, second]).toEqual(['old', 'old']);
      expect(loader).toHaveBeenCalledTimes(1);
      expect(cache.stats().refreshes).toBe(1);
    });

    it('drops the entry once the stale window is over', () => {
      const clock = manualClock();
      const cache = new MemoryCache<string>({
        max: 10,
        ttl: 100,
        staleWhileRevalidateMs: 50,
        clock,
      });
      cache.set('a', 'old');
      clock.advance(151);

      expect(cache.get('a', { allowStale: true })).toBeUndefined();
    });
  });

  it('runs the fetch loader once for concurrent misses and shares its error', async () => {
    const cache = new MemoryCache<string>({ max: 10 });
    const loader = vi.fn(async () => {
      throw new Error('backend down');
    });

    const results = await Promise.allSettled([cache.fetch('k', loader), cache.fetch('k', loader)]);

    expect(loader).toHaveBeenCalledTimes(1);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(cache.has('k')).toBe(false);
  });

  describe("policy 'lfu'", () => {
    it('keeps a frequently read entry when a one-off key arrives at a full cache', () => {
      const cache = new MemoryCache<number>({ max: 2, policy: 'lfu' });
      cache.set('hot', 1);
      cache.set('warm', 2);
      for (let i = 0; i < 5; i++) {
        cache.get('hot');
        cache.get('warm');
      }

      const admitted = cache.set('one-off', 3);

      expect(admitted).toBe(false);
      expect(cache.has('hot')).toBe(true);
      expect(cache.has('warm')).toBe(true);
      expect(cache.stats().rejections).toBe(1);
    });

    it('admits a key that is asked for more often than the eviction victim', () => {
      const cache = new MemoryCache<number>({ max: 2, policy: 'lfu' });
      cache.set('a', 1);
      cache.set('b', 2);
      for (let i = 0; i < 5; i++) cache.get('c');

      expect(cache.set('c', 3)).toBe(true);
      expect(cache.get('c')).toBe(3);
    });

    it('has a better hit rate than lru on a Zipf workload with scans', () => {
      const hitRate = (policy: 'lru' | 'lfu') => {
        const cache = new MemoryCache<number>({ max: 100, policy });
        const random = mulberry32(42);
        const zipf = zipfSampler(10_000, 1.0, random);
        for (let i = 0; i < 40_000; i++) {
          // Every 20th access is a one-off key, like a scan.
          const key = i % 20 === 0 ? `scan-${i}` : `k${zipf()}`;
          if (cache.get(key) === undefined) cache.set(key, i);
        }
        return cache.stats().hitRate;
      };

      expect(hitRate('lfu')).toBeGreaterThan(hitRate('lru') * 1.1);
    });
  });

  describe('bad input', () => {
    it('rejects non-string keys with InvalidKeyError', () => {
      const cache = new MemoryCache({ max: 10 });

      expect(() => cache.set(1 as unknown as string, 'v')).toThrow(InvalidKeyError);
      expect(() => cache.get(null as unknown as string)).toThrow(InvalidKeyError);
      expect(cache.size).toBe(0);
    });

    it.each([-1, Number.NaN])('rejects ttl %s with InvalidTtlError and stores nothing', (ttl) => {
      const cache = new MemoryCache({ max: 10 });

      expect(() => cache.set('k', 'v', { ttl })).toThrow(InvalidTtlError);
      expect(cache.size).toBe(0);
    });

    it('rejects invalid options naming the option', () => {
      expect(() => new MemoryCache({ max: -1 })).toThrow(/max/);
      expect(() => new MemoryCache({ max: 0 })).toThrow(RangeError);
      expect(() => new MemoryCache({ max: 10, ttl: -1 })).toThrow(InvalidTtlError);
      expect(() => new MemoryCache({ max: 10, policy: 'mru' as 'lru' })).toThrow(/policy/);
      expect(() => new MemoryCache({ maxSize: 10, policy: 'lfu' })).toThrow(/lfu/);
      expect(() => new MemoryCache({ max: 10, staleWhileRevalidateMs: 1.5 })).toThrow(/staleWhile/);
    });
  });
});

/** A small seeded PRNG so the workload is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  return () => {
    const target = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] ?? 0) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

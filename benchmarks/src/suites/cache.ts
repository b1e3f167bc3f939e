import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cache, DiskStore, MemoryCache } from '@x/cache';
import cacache from 'cacache';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import { KeyvFile } from 'keyv-file';
import { LRUCache } from 'lru-cache';
import { defineSuite, type Workload } from '../types.js';

const OURS = '@x/cache';
const dir = mkdtempSync(join(tmpdir(), 'x-bench-cache-'));
const disks: DiskStore[] = [];
const keyvFiles: KeyvFile[] = [];

/** A tool result as the server caches it. */
const toolResult = { content: [{ type: 'text', text: 'x'.repeat(200) }], isError: false };
/** ~1 KB of JSON text: what Keyv hands a store, and what a cacache user would write. */
const diskValue = JSON.stringify({
  ...toolResult,
  content: [{ type: 'text', text: 'y'.repeat(1_000) }],
});

function keys(count: number, prefix = 'tool:'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** A small seeded PRNG: every contender replays the same access sequence. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipfSequence(length: number, universe: number, seed: number): string[] {
  const cdf = new Float64Array(universe);
  let sum = 0;
  for (let i = 0; i < universe; i++) {
    sum += 1 / (i + 1);
    cdf[i] = sum;
  }
  const random = mulberry32(seed);
  return Array.from({ length }, (_, n) => {
    if (n % 20 === 0) return `scan-${n}`; // one-off keys, as a scan or a burst of new tools
    const target = random() * sum;
    let lo = 0;
    let hi = universe - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] ?? 0) < target) lo = mid + 1;
      else hi = mid;
    }
    return `k${lo}`;
  });
}

function memoryWorkloads(quick: boolean): Workload[] {
  const n = quick ? 1_000 : 10_000;
  const ks = keys(n);
  const workloads: Workload[] = [];
  for (const ttl of [0, 60_000]) {
    const label = ttl ? 'with TTL' : 'no TTL';
    const ours = new MemoryCache<object>({ max: n, ttl });
    const lru = new LRUCache<string, object>({ max: n, ...(ttl ? { ttl } : {}) });
    for (const k of ks) {
      ours.set(k, toolResult);
      lru.set(k, toolResult);
    }
    let i = 0;
    let j = 0;
    workloads.push({
      name: `MemoryCache get hit (${label})`,
      ours: OURS,
      goal: 'within 10% of lru-cache',
      contenders: [
        { name: OURS, run: () => ours.get(ks[i++ % n]!) },
        { name: 'lru-cache', run: () => lru.get(ks[j++ % n]!) },
      ],
    });

    // Twice as many keys as entries, cycled: every set inserts a new key and evicts one.
    const wide = keys(2 * n, 'evict:');
    const oursEvict = new MemoryCache<object>({ max: n, ttl });
    const lruEvict = new LRUCache<string, object>({ max: n, ...(ttl ? { ttl } : {}) });
    let a = 0;
    let b = 0;
    workloads.push({
      name: `MemoryCache set with eviction (${label})`,
      ours: OURS,
      goal: 'within 10% of lru-cache',
      contenders: [
        { name: OURS, run: () => oursEvict.set(wide[a++ % wide.length]!, toolResult) },
        { name: 'lru-cache', run: () => lruEvict.set(wide[b++ % wide.length]!, toolResult) },
      ],
    });

    // 90% gets over twice the capacity (so some miss), 10% sets of the key just missed.
    const mix = keys(2 * n, 'mix:');
    const oursMix = new MemoryCache<object>({ max: n, ttl });
    const lruMix = new LRUCache<string, object>({ max: n, ...(ttl ? { ttl } : {}) });
    let c = 0;
    let d = 0;
    workloads.push({
      name: `MemoryCache 90/10 get/set (${label})`,
      ours: OURS,
      goal: 'within 10% of lru-cache',
      contenders: [
        {
          name: OURS,
          run: () => {
            const k = mix[(c * 7919) % mix.length]!;
            if (c++ % 10 === 0) oursMix.set(k, toolResult);
            else oursMix.get(k);
          },
        },
        {
          name: 'lru-cache',
          run: () => {
            const k = mix[(d * 7919) % mix.length]!;
            if (d++ % 10 === 0) lruMix.set(k, toolResult);
            else lruMix.get(k);
          },
        },
      ],
    });
  }

  workloads.push({
    kind: 'metric',
    name: "Hit rate on Zipf(1.0) + 5% one-off keys, 1% of the keys fit ('lfu' vs LRU)",
    ours: `${OURS} lfu`,
    unit: '%',
    better: 'higher',
    goal: "'lfu' (TinyLFU admission) beats plain LRU",
    measure: () => {
      const universe = quick ? 2_000 : 20_000;
      const sequence = zipfSequence(quick ? 20_000 : 200_000, universe, 7);
      const capacity = universe / 100;
      const lfu = new MemoryCache<number>({ max: capacity, policy: 'lfu' });
      const lru = new LRUCache<string, number>({ max: capacity });
      let lruHits = 0;
      for (const k of sequence) {
        if (lfu.get(k) === undefined) lfu.set(k, 1);
        if (lru.get(k) === undefined) lru.set(k, 1);
        else lruHits++;
      }
      return {
        [`${OURS} lfu`]: 100 * lfu.stats().hitRate,
        'lru-cache': (100 * lruHits) / sequence.length,
      };
    },
  });
  return workloads;
}

async function diskWorkloads(quick: boolean): Promise<Workload[]> {
  const n = quick ? 200 : 2_000;
  const ks = keys(n);
  const unsynced = new DiskStore({ dir: join(dir, 'disk-nosync'), sweepIntervalMs: 0 });
  const synced = new DiskStore({
    dir: join(dir, 'disk-sync'),
    sweepIntervalMs: 0,
    syncWrites: true,
  });
  disks.push(synced, unsynced);
  const cacacheDir = join(dir, 'cacache');
  const file = new KeyvFile({ filename: join(dir, 'keyv-file.json'), writeDelay: 100 });
  keyvFiles.push(file);
  await Promise.all(ks.map((k) => synced.set(k, diskValue)));
  await Promise.all(ks.map((k) => unsynced.set(k, diskValue)));
  for (const k of ks) await cacache.put(cacacheDir, k, diskValue);
  await Promise.all(ks.map((k) => file.set(k, diskValue)));

  let i = 0;
  let j = 0;
  let m = 0;
  const workloads: Workload[] = [
    {
      name: 'DiskStore get (1 KB value)',
      ours: OURS,
      goal: 'at least 20× cacache',
      contenders: [
        { name: OURS, run: () => unsynced.get(ks[i++ % n]!) },
        {
          name: 'cacache',
          run: async () =>
            (await cacache.get(cacacheDir, ks[j++ % n]!, { memoize: false })).data.toString(),
        },
        // keyv-file holds every value in a Map and rewrites one JSON file later: a memory read.
        { name: 'keyv-file', run: () => file.get(ks[m++ % n]!) },
      ],
    },
  ];
  const batch = quick ? 10 : 100;
  // cacache never fsyncs: 20× is the goal at the same durability (the default). With an fsync per
  // commit, ours pays a disk flush cacache never pays, so the goal there is only to stay ahead.
  for (const [label, disk, goal] of [
    ['syncWrites: false (default)', unsynced, 'at least 20× cacache'],
    ['syncWrites: true (fsync per commit)', synced, 'at least 1× cacache (which never fsyncs)'],
  ] as const) {
    let w1 = 0;
    let w2 = 0;
    let w3 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    workloads.push(
      {
        name: `DiskStore put, ${batch} concurrent writes awaited together, ${label}`,
        ours: OURS,
        goal,
        contenders: [
          {
            name: OURS,
            opsPerRun: batch,
            run: () =>
              Promise.all(Array.from({ length: batch }, () => disk.set(ks[w1++ % n]!, diskValue))),
          },
          {
            name: 'cacache',
            opsPerRun: batch,
            run: () =>
              Promise.all(
                Array.from({ length: batch }, () =>
                  cacache.put(cacacheDir, ks[w2++ % n]!, diskValue),
                ),
              ),
          },
          {
            name: 'keyv-file',
            opsPerRun: batch,
            run: () =>
              Promise.all(Array.from({ length: batch }, () => file.set(ks[w3++ % n]!, diskValue))),
          },
        ],
      },
      {
        name: `DiskStore put, one awaited write at a time, ${label}`,
        ours: OURS,
        goal,
        contenders: [
          { name: OURS, run: () => disk.set(ks[s1++ % n]!, diskValue) },
          { name: 'cacache', run: () => cacache.put(cacacheDir, ks[s2++ % n]!, diskValue) },
          { name: 'keyv-file', run: () => file.set(ks[s3++ % n]!, diskValue) },
        ],
      },
    );
  }
  return workloads;
}

async function tieredWorkloads(quick: boolean): Promise<Workload[]> {
  const n = quick ? 1_000 : 10_000;
  const ks = keys(n);
  const ours = new Cache({ memory: { max: n } });
  const manager = createCache({ stores: [new Keyv()] });
  for (const k of ks) {
    await ours.set(k, toolResult);
    await manager.set(k, toolResult);
  }
  const load = async () => toolResult;
  let i = 0;
  let j = 0;
  let a = 0;
  let b = 0;
  return [
    {
      name: 'Cache.get, L1 (memory) hit',
      ours: OURS,
      goal: 'at least 5× cache-manager v7 on Keyv',
      contenders: [
        { name: OURS, run: () => ours.get(ks[i++ % n]!) },
        { name: 'cache-manager', run: () => manager.get(ks[j++ % n]!) },
      ],
    },
    {
      name: 'Cache.wrap, value cached',
      ours: OURS,
      goal: 'at least 5× cache-manager v7 on Keyv',
      contenders: [
        { name: OURS, run: () => ours.wrap(ks[a++ % n]!, load) },
        { name: 'cache-manager', run: () => manager.wrap(ks[b++ % n]!, load) },
      ],
    },
  ];
}

export default defineSuite({
  package: 'cache',
  description:
    'MemoryCache vs lru-cache; DiskStore (LMDB) vs cacache and keyv-file; the tiered Cache vs cache-manager v7 on Keyv.',
  workloads: async ({ quick }) => [
    ...memoryWorkloads(quick),
    ...(await diskWorkloads(quick)),
    ...(await tieredWorkloads(quick)),
  ],
  teardown: async () => {
    await Promise.all(disks.map((disk) => disk.close()));
    for (const file of keyvFiles) await file.disconnect?.();
    rmSync(dir, { recursive: true, force: true });
  },
});

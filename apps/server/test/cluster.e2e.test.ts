import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, startInstance, startRedis, stop } from './cluster-helpers.js';
import { type CountingPeer, startCountingPeer } from './fixtures/counting-peer.js';
import { connectHttp, MODERN } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL;
const SKIPPED_BECAUSE =
  'SKIPPED because REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379; CI sets it)';
// Said at collection time too: the default reporter names a skipped file, not its suites.
if (!REDIS_URL) console.warn(`x-server cluster e2e test ${SKIPPED_BECAUSE}`);

type Dispatched = { result: Record<string, unknown>; cached: boolean; replayed: boolean };
// Each test starts two or three processes from source: on a busy machine that alone takes seconds.
const PROCESSES = { timeout: 90_000 };
// A state of another process, read over MCP: each read can take a while on a busy machine.
const SETTLES = { timeout: 30_000, interval: 50 };

// Many machines: stateless x-server processes on one Redis, in front of one peer that counts
// how often each call really ran.
describe.skipIf(!REDIS_URL)(
  `x-server processes on one Redis behave as one server${REDIS_URL ? '' : ` — ${SKIPPED_BECAUSE}`}`,
  PROCESSES,
  () => {
    let peer: CountingPeer;

    beforeEach(async () => {
      peer = await startCountingPeer();
    });
    afterEach(async () => {
      await peer.close();
    });

    /** Two instances on the CI's Redis, in a namespace of this test only. */
    async function pair(expose: 'meta' | 'both' = 'meta') {
      const namespace = `x-server-cluster-${randomUUID()}`;
      const config = {
        cache: { redisUrl: REDIS_URL!, namespace },
        peers: { counter: { url: peer.url, expose } },
      };
      const [a, b] = await Promise.all([startInstance(config), startInstance(config)]);
      return [a!, b!] as const;
    }

    it('names each instance in server_stats and /metrics, and shares a result computed through one as a cache hit through the other', async () => {
      const [a, b] = await pair();
      const args = { category: 'counter', tool: 'square', params: { n: 3, gate: false } };

      const viaA = await a.dispatch<Dispatched>(args);
      // A writes Redis behind its answer: once the write is out, B's lookup must find it.
      await expect
        .poll(async () => (await a.stats()).cache, SETTLES)
        .toMatchObject({ pendingWrites: 0 });
      const viaB = await b.dispatch<Dispatched>(args);

      expect(viaA).toMatchObject({ cached: false, result: { square: 9 } });
      expect(viaB).toMatchObject({ cached: true, result: { square: 9 } });
      expect(peer.executions('square:3')).toBe(1);
      const [statsA, statsB] = await Promise.all([a.stats(), b.stats()]);
      expect(statsA.instance).toMatch(/:\d+$/);
      expect(statsA.instance).not.toBe(statsB.instance);
      expect(statsA.cluster).toMatchObject({ shared: true, connected: true });
      const metrics = await (await fetch(a.url.replace(/\/mcp$/, '/metrics'))).text();
      expect(metrics).toContain(`x_server_instance_info{instance_id="${statsA.instance}"} 1`);
    });

    it('runs four identical cacheable calls in flight on two instances once', async () => {
      const [a, b] = await pair();
      // Each instance has its peer connection before the calls race.
      await Promise.all([
        a.dispatch({ category: 'counter', tool: 'record', params: { id: 'warm-a' } }),
        b.dispatch({ category: 'counter', tool: 'record', params: { id: 'warm-b' } }),
      ]);
      const args = { category: 'counter', tool: 'square', params: { n: 7 } };

      const calls = [a, a, b, b].map((instance) => instance.dispatch<Dispatched>(args));
      await peer.started(7);
      // Whichever instance holds the lease, the other one's call waits for it (not the peer).
      await expect
        .poll(async () => {
          const [statsA, statsB] = await Promise.all([a.stats(), b.stats()]);
          return statsA.cluster.runs.waiting + statsB.cluster.runs.waiting;
        }, SETTLES)
        .toBe(1);
      peer.openGate();
      const answers = await Promise.all(calls);

      expect(answers.map((answer) => answer.result)).toEqual(Array(4).fill({ n: 7, square: 49 }));
      expect(peer.executions('square:7')).toBe(1);
    });

    it('replays a dispatch with an idempotency key on another instance, done or still in flight', async () => {
      const [a, b] = await pair();
      const done = { category: 'counter', tool: 'record', params: { id: 'done' } };

      const first = await a.dispatch<Dispatched>({ ...done, idempotencyKey: 'k-done' });
      const repeat = await b.dispatch<Dispatched>({ ...done, idempotencyKey: 'k-done' });

      expect(first).toMatchObject({ replayed: false, result: { execution: 1 } });
      expect(repeat).toMatchObject({ replayed: true, result: { execution: 1 } });
      expect(peer.executions('record:done')).toBe(1);

      const held = { category: 'counter', tool: 'square', params: { n: 11 } };
      const running = a.dispatch<Dispatched>({ ...held, idempotencyKey: 'k-held' });
      await peer.started(11);
      const waiting = b.dispatch<Dispatched>({ ...held, idempotencyKey: 'k-held' });
      await expect.poll(async () => (await b.stats()).cluster.runs.waiting, SETTLES).toBe(1);
      peer.openGate();

      expect(await running).toMatchObject({ replayed: false, result: { square: 121 } });
      expect(await waiting).toMatchObject({ replayed: true, result: { square: 121 } });
      expect(peer.executions('square:11')).toBe(1);
    });

    it('tells a subscription open on one instance of a list change another instance heard from its peer', async () => {
      // `both`: the peer's tools are in tools/list too, so its list change is x-server's.
      const [a, b] = await pair('both');
      // Only A is connected to the peer (and listens to its changes); B has never called it.
      await a.dispatch({ category: 'counter', tool: 'record', params: { id: 'connect' } });
      const listener = await connectHttp(b.url, {}, MODERN);
      let changed = 0;
      listener.setNotificationHandler('notifications/tools/list_changed', () => {
        changed++;
      });
      const subscription = await listener.listen({ toolsListChanged: true });

      peer.changeTools();

      await expect.poll(() => changed, SETTLES).toBe(1);
      // B heard the change through Redis, never from the peer itself.
      const [statsA, statsB] = await Promise.all([a.stats(), b.stats()]);
      expect(statsA.peers).toMatchObject({ toolListChanges: 1 });
      expect(statsB.peers).toMatchObject({ toolListChanges: 0 });
      expect(statsB.cluster.events.received).toBe(1);
      await subscription.close();
    });
  },
);

// The same instances when Redis goes away mid-run: a redis-server of this test's own, killed.
describe.skipIf(!REDIS_URL)(
  `x-server processes when their Redis goes away${REDIS_URL ? '' : ` — ${SKIPPED_BECAUSE}`}`,
  PROCESSES,
  () => {
    let peer: CountingPeer;

    beforeEach(async () => {
      peer = await startCountingPeer();
    });
    afterEach(async () => {
      await peer.close();
    });

    it('answers every call and delivers its own events per instance while Redis is down, counts it, and shares again once Redis is back', async () => {
      const port = await freePort();
      let redis = await startRedis(port);
      const config = {
        cache: { redisUrl: `redis://127.0.0.1:${port}`, namespace: 'down-test' },
        peers: { counter: { url: peer.url, expose: 'both' as const } },
      };
      const [a, b] = await Promise.all([startInstance(config), startInstance(config)]);
      const record = (id: string) => ({
        category: 'counter',
        tool: 'record',
        params: { id },
        idempotencyKey: `key-${id}`,
      });
      const square = (n: number) => ({
        category: 'counter',
        tool: 'square',
        params: { n, gate: false },
      });
      await expect.poll(async () => (await b.stats()).cluster.connected, SETTLES).toBe(true);
      expect(await a.dispatch<Dispatched>(record('up'))).toMatchObject({ replayed: false });
      expect(await b.dispatch<Dispatched>(record('up'))).toMatchObject({ replayed: true });
      const listener = await connectHttp(a.url, {}, MODERN);
      let changed = 0;
      listener.setNotificationHandler('notifications/tools/list_changed', () => {
        changed++;
      });
      await listener.listen({ toolsListChanged: true });

      await stop(redis, 'SIGKILL');
      peer.changeTools();
      const down = await Promise.all([
        a.dispatch<Dispatched>(record('down')),
        b.dispatch<Dispatched>(record('down')),
        a.dispatch<Dispatched>(square(5)),
        b.dispatch<Dispatched>(square(5)),
      ]);

      expect(down.map((answer) => answer.result)).toEqual([
        { id: 'down', execution: expect.any(Number) },
        { id: 'down', execution: expect.any(Number) },
        { n: 5, square: 25 },
        { n: 5, square: 25 },
      ]);
      // Each instance ran the keyed call itself: no window was shared.
      expect(peer.executions('record:down')).toBe(2);
      // The list change still reached the subscription on the instance that heard it.
      await expect.poll(() => changed, SETTLES).toBeGreaterThanOrEqual(1);
      const [statsA, statsB] = await Promise.all([a.stats(), b.stats()]);
      for (const stats of [statsA, statsB]) {
        expect(stats.cluster.connected).toBe(false);
        expect(stats.cluster.runs.fallbacks).toBeGreaterThanOrEqual(2);
        expect(stats.cluster.errors).toBeGreaterThan(0);
      }
      expect(statsA.cluster.events.unshared).toBeGreaterThanOrEqual(1);

      redis = await startRedis(port);
      await expect
        .poll(
          async () => (await a.stats()).cluster.connected && (await b.stats()).cluster.connected,
          SETTLES,
        )
        .toBe(true);
      expect(await a.dispatch<Dispatched>(record('back'))).toMatchObject({ replayed: false });
      expect(await b.dispatch<Dispatched>(record('back'))).toMatchObject({ replayed: true });
      expect(peer.executions('record:back')).toBe(1);
    });
  },
);

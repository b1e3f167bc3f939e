import { randomUUID } from 'node:crypto';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { LeasedRuns } from '../src/backends/redis-lease.js';
import { RedisLink } from '../src/backends/redis-link.js';
import { freePort, startRedis } from './cluster-helpers.js';
import { closeAfterTest, MODERN, startHttp, testClient } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL;
// What a poll waits for happens in milliseconds, but a busy machine may take seconds.
const SETTLES = { timeout: 15_000, interval: 20 };
const SKIPPED_BECAUSE =
  'SKIPPED because REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379; CI sets it)';
if (!REDIS_URL) console.warn(`x-server shared-state Redis test ${SKIPPED_BECAUSE}`);

/** A link as one instance would hold it, closed when the test ends. */
function link(url: string, namespace: string, commandTimeoutMs = 250): RedisLink {
  const made = new RedisLink({ url, namespace, commandTimeoutMs });
  closeAfterTest(() => made.close());
  return made;
}

/** Resolves once the link's connections are up (the client connects in the background). */
async function connected(made: RedisLink): Promise<void> {
  await expect.poll(() => made.stats().connected, SETTLES).toBe(true);
}

/** A run that never ends, and a promise that resolves once it has started. */
function hanging(): { fn: () => Promise<never>; started: Promise<void> } {
  let started!: () => void;
  const promise = new Promise<void>((resolve) => {
    started = resolve;
  });
  return {
    fn: () => {
      started();
      return new Promise<never>(() => {});
    },
    started: promise,
  };
}

type SharedFigures = { connected: boolean; events: Record<string, number> };
const statsOf = (server: { app: { stats(): Record<string, unknown> } }) =>
  server.app.stats().cluster as SharedFigures;

describe.skipIf(!REDIS_URL)(
  `shared state on Redis${REDIS_URL ? '' : ` — ${SKIPPED_BECAUSE}`}`,
  () => {
    /** A namespace of this test only, so no earlier run's records can answer. */
    const fresh = () => `x-server-shared-${randomUUID()}`;

    it('takes over the lease of an instance that died while running, after the lease ends', async () => {
      const ns = fresh();
      const [dying, alive] = [link(REDIS_URL!, ns), link(REDIS_URL!, ns)];
      await Promise.all([connected(dying), connected(alive)]);
      // Long enough that a busy machine still renews it in time, short enough for a test.
      const first = new LeasedRuns(dying, 1_000);
      const second = new LeasedRuns(alive, 1_000);
      const hung = hanging();

      void first.run('job', hung.fn, { keepMs: () => 1_000 });
      await hung.started;
      const waiting = second.run('job', async () => 'ran here', { keepMs: () => 1_000 });
      await expect.poll(() => second.stats().waiting, SETTLES).toBe(1);
      await dying.close();

      expect(await waiting).toEqual({ value: 'ran here', from: 'ran' });
      expect(second.stats()).toMatchObject({ takeovers: 1, waiting: 0 });
    });

    it('runs a failing function once, and lets a waiting instance run it after the failure', async () => {
      const ns = fresh();
      const [first, second] = [link(REDIS_URL!, ns), link(REDIS_URL!, ns)];
      await Promise.all([connected(first), connected(second)]);
      const runsA = new LeasedRuns(first, 5_000);
      const runsB = new LeasedRuns(second, 5_000);
      let calls = 0;
      let fail!: () => void;
      const failing = runsA.run(
        'job',
        () => {
          calls++;
          return new Promise<never>((_, reject) => {
            fail = () => reject(new Error('boom'));
          });
        },
        { keepMs: () => 1_000 },
      );
      const failed = expect(failing).rejects.toThrow('boom');
      await expect.poll(() => calls, SETTLES).toBe(1);
      const waiting = runsB.run('job', async () => 'ran on B', { keepMs: () => 1_000 });
      await expect.poll(() => runsB.stats().waiting, SETTLES).toBe(1);

      fail();

      await failed;
      expect(calls).toBe(1);
      expect(await waiting).toEqual({ value: 'ran on B', from: 'ran' });
      expect(runsB.stats()).toMatchObject({ takeovers: 1, shared: 0 });
    });

    it('ends a wait for another instance at the caller timeout, or at its cancel', async () => {
      const ns = fresh();
      const [holder, other] = [link(REDIS_URL!, ns), link(REDIS_URL!, ns)];
      await Promise.all([connected(holder), connected(other)]);
      const runs = new LeasedRuns(holder, 5_000);
      const waiter = new LeasedRuns(other, 5_000);
      const hung = hanging();
      void runs.run('slow', hung.fn, { keepMs: () => 1_000 });
      await hung.started;

      const timedOut = waiter.run('slow', async () => 'never runs', {
        keepMs: () => 1_000,
        timeout: { ms: 100, name: 'counter' },
      });
      const controller = new AbortController();
      const cancelled = waiter.run('slow', async () => 'never runs', {
        keepMs: () => 1_000,
        signal: controller.signal,
      });
      const outcomes = Promise.allSettled([timedOut, cancelled]);
      await expect.poll(() => waiter.stats().waiting, SETTLES).toBeGreaterThanOrEqual(1);
      controller.abort();

      const [timeout, cancel] = await outcomes;
      expect(timeout).toMatchObject({ reason: { code: 'ERR_BREAKER_TIMEOUT' } });
      expect(cancel).toMatchObject({ reason: { code: 'CANCELLED' } });
    });

    it('runs alone, counting the error, when Redis stops answering, and shares again when it answers', async () => {
      const port = await freePort();
      const redis = await startRedis(port);
      const slow = link(`redis://127.0.0.1:${port}`, fresh(), 100);
      await connected(slow);
      const runs = new LeasedRuns(slow, 1_000);

      redis.kill('SIGSTOP');
      let stopped: { value: string; from: string }[];
      let errorsAfterFirst: number;
      try {
        stopped = [await runs.run('stalled', async () => 'alone', { keepMs: () => 1_000 })];
        errorsAfterFirst = slow.stats().errors;
        // Left alone for a moment: the next call does not wait for Redis again.
        stopped.push(await runs.run('stalled-2', async () => 'alone', { keepMs: () => 1_000 }));
      } finally {
        redis.kill('SIGCONT');
      }

      expect(stopped).toEqual([
        { value: 'alone', from: 'local' },
        { value: 'alone', from: 'local' },
      ]);
      expect(runs.stats().fallbacks).toBe(2);
      expect(errorsAfterFirst).toBeGreaterThan(0);
      expect(slow.stats().errors).toBe(errorsAfterFirst);
      await connected(slow);
      expect(await runs.run('resumed', async () => 'shared', { keepMs: () => 1_000 })).toEqual({
        value: 'shared',
        from: 'ran',
      });
    });

    it('delivers an event published on one instance to a subscriptions/listen stream open on another, and an instance its own once', async () => {
      const cache = { redisUrl: REDIS_URL!, namespace: fresh() };
      const [a, b] = await Promise.all([startHttp({ cache }), startHttp({ cache })]);
      const client = testClient(MODERN);
      await client.connect(new StreamableHTTPClientTransport(new URL(b.url)));
      let changed = 0;
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        changed++;
      });
      const subscription = await client.listen({ toolsListChanged: true });
      await expect.poll(() => statsOf(a).connected && statsOf(b).connected, SETTLES).toBe(true);

      a.app.events.publish({ kind: 'tools_list_changed' });
      await expect.poll(() => changed, SETTLES).toBe(1);
      // B's own event, then a marker from B: once B hears its marker back from Redis, it has
      // heard its own event back too, and must not have delivered it twice.
      const probe = link(REDIS_URL!, cache.namespace);
      await connected(probe);
      const echoed = new Promise<void>((resolve) => {
        probe.listen('events', (message) => {
          if (message.includes('resources_list_changed')) resolve();
        });
      });
      b.app.events.publish({ kind: 'tools_list_changed' });
      b.app.events.publish({ kind: 'resources_list_changed' });
      await echoed;

      expect(changed).toBe(2);
      expect(statsOf(b).events).toMatchObject({ published: 2, received: 1, unshared: 0 });
      await subscription.close();
    });
  },
);

/**
 * Many x-server instances on one Redis (`apps/server`, issue "behave as one server"): what a
 * second instance adds to throughput and p99, and what the shared features (idempotency window
 * and coalescing in Redis) cost one call. Every x-server is the built CLI in its own process,
 * in stateless HTTP mode on the Redis of `REDIS_URL` (default `redis://127.0.0.1:6379`), with a
 * namespace of this run; the client is this process.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { defineSuite, type Workload } from '../types.js';
import { Closers, httpClient, spawnHttpServer, X_SERVER_CLI } from './_processes.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ERA = '2026-07-28' as const;
/** Calls in flight together in the throughput workloads. */
const IN_FLIGHT = 16;

const closers = new Closers();
let dir: string | undefined;

/** Fails the suite at once, with the reason, when nothing answers at the Redis URL. */
function assertRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const fail = (reason: string) => {
      socket.destroy();
      reject(new Error(`the cluster suite needs Redis at ${url} (set REDIS_URL): ${reason}`));
    };
    socket.setTimeout(2_000, () => fail('no answer'));
    socket.once('error', (error) => fail(error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      if (data.toString().startsWith('+PONG')) resolve();
      else fail(`answered ${JSON.stringify(data.toString().trim())}`);
    });
  });
}

/** An x-server process on Redis (shared features on or off) and a 2026-07-28 client of it. */
async function instance(namespace: string, shared: boolean, name: string): Promise<Client> {
  const home = join(dir!, name);
  const file = `${home}.json`;
  await writeFile(
    file,
    JSON.stringify({
      http: { stateless: true },
      cache: { redisUrl: REDIS_URL, namespace, dir: join(home, 'cache') },
      telemetry: { dir: join(home, 'telemetry') },
      cluster: { shared, instanceId: name },
    }),
  );
  const child = await spawnHttpServer(process.execPath, [
    X_SERVER_CLI,
    '--http',
    '--port',
    '0',
    '--config',
    file,
  ]);
  closers.push(() => child.close());
  const client = await httpClient(ERA, child.url, `bench-${name}`);
  closers.push(() => client.close());
  return client;
}

async function dispatch(client: Client, args: Record<string, unknown>): Promise<void> {
  const answer = await client.callTool({ name: 'dispatch', arguments: args });
  if (answer.isError) throw new Error(`dispatch failed: ${JSON.stringify(answer.content)}`);
}

// An uncached, uncacheable call: `time.now` is read-only but not idempotent.
const NOW = { category: 'time', tool: 'now', params: {} };

/** `IN_FLIGHT` calls at once, handed out round robin over `clients`. */
function batch(clients: Client[]): () => Promise<unknown> {
  let next = 0;
  return () =>
    Promise.all(
      Array.from({ length: IN_FLIGHT }, () => dispatch(clients[next++ % clients.length]!, NOW)),
    );
}

function p99(latencies: number[]): number {
  latencies.sort((a, b) => a - b);
  return latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
}

/** The p99 of single calls (ms) over `batches` batches of `IN_FLIGHT` calls in flight. */
async function callP99(clients: Client[], batches: number): Promise<number> {
  const latencies: number[] = [];
  let next = 0;
  for (let i = 0; i < batches; i++) {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        const started = performance.now();
        await dispatch(clients[next++ % clients.length]!, NOW);
        latencies.push(performance.now() - started);
      }),
    );
  }
  return p99(latencies);
}

export default defineSuite({
  package: 'cluster',
  description:
    'x-server instances in their own processes (built CLI, stateless HTTP, one Redis): one instance vs two behind a round-robin client, and the shared features (idempotency window, coalescing) on vs off for one call. On a 2-core machine the client and both instances share the cores.',
  async workloads(ctx): Promise<Workload[]> {
    await assertRedis(REDIS_URL);
    dir = await mkdtemp(join(tmpdir(), 'x-bench-cluster-'));
    const namespace = `x-bench-cluster-${randomUUID()}`;
    try {
      // One after the other: on a busy machine, starting them together can take too long.
      const first = await instance(namespace, true, 'first');
      const second = await instance(namespace, true, 'second');
      const unshared = await instance(`${namespace}-off`, false, 'shared-off');
      // The one instance, and the one with the shared features on, is the first of the pair.
      const [alone, shared] = [first, first];
      const pair = [first, second];
      let key = 0;
      const keyed = (client: Client) => () =>
        dispatch(client, { ...NOW, idempotencyKey: `bench-${key++}` });
      let input = 0;
      const uncached = (client: Client) => () =>
        dispatch(client, { category: 'text', tool: 'hash', params: { text: `t${input++}` } });
      const TWO = 'two instances, round-robin client';
      const ONE = 'one instance';
      const ON = 'shared features on';
      const OFF = 'shared features off (cluster.shared: false)';
      return [
        {
          name: `dispatch time.now, ${IN_FLIGHT} in flight (throughput)`,
          ours: TWO,
          latency: true,
          contenders: [
            { name: TWO, run: batch(pair), opsPerRun: IN_FLIGHT },
            { name: ONE, run: batch([alone]), opsPerRun: IN_FLIGHT },
          ],
        },
        {
          kind: 'metric',
          name: `p99 of one dispatch time.now with ${IN_FLIGHT} in flight`,
          ours: TWO,
          unit: 'ms',
          better: 'lower',
          measure: async () => {
            const batches = ctx.quick ? 5 : 100;
            // Interleaved in one round, so both see the same machine.
            const two = await callP99(pair, batches);
            const one = await callP99([alone], batches);
            return { [TWO]: two, [ONE]: one };
          },
        },
        {
          name: 'dispatch with a fresh idempotencyKey (time.now): one call at a time',
          ours: ON,
          latency: true,
          contenders: [
            { name: ON, run: keyed(shared) },
            { name: OFF, run: keyed(unshared) },
          ],
        },
        {
          name: 'uncached dispatch of a cacheable tool (text.hash, fresh input): one call at a time',
          ours: ON,
          latency: true,
          contenders: [
            { name: ON, run: uncached(shared) },
            { name: OFF, run: uncached(unshared) },
          ],
        },
      ];
    } catch (error) {
      await closers.closeAll();
      throw error;
    }
  },
  async teardown() {
    await closers.closeAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  },
});

import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpServer } from '@modelcontextprotocol/server';
import { type CategorySpec, defineCategory, defineTool, parseConfig, XServer } from '@x/server';
import { z } from 'zod';
import { defineSuite, type Workload } from '../types.js';
import { createBareServer } from './_bare-server.mjs';
import { type LoadFigures, loadRun } from './_load.js';
import {
  BARE_SERVER,
  Closers,
  ERA_CLIENT,
  ERAS,
  type Era,
  httpClient,
  spawnHttpServer,
  stdioClient,
  X_SERVER_CLI,
} from './_processes.js';

const OURS = 'x-server dispatch';
const CACHED = 'x-server dispatch (cached)';
const BARE = 'bare SDK 2 server';
const ROUND_TRIP_GOAL =
  'uncached dispatch at most 20% slower than the bare call; cached dispatch faster';

// x-server's uncached trivial tool is demo.flaky with failureRate 0 (one Math.random()); its
// cached one is demo.echo. The bare server's tool echoes its argument: the same trivial work.
const uncachedCall = { category: 'demo', tool: 'flaky', params: { failureRate: 0 } };
const cachedCall = { category: 'demo', tool: 'echo', params: { value: 42 } };

const closers = new Closers();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What `McpServer.connect` takes, in whichever SDK an x-server build is on. */
interface Connectable {
  connect(transport: unknown): Promise<void>;
  close?(): Promise<void>;
}

/** The in-process bare server: the bare SDK 2 server's tool, plus a sleep and synthetic tools. */
function bareServer(extraTools = 0): McpServer {
  const server = createBareServer();
  server.registerTool(
    'sleep',
    { description: 'Sleep ms', inputSchema: z.object({ ms: z.number() }) },
    async ({ ms }) => {
      await sleep(ms);
      return { content: [{ type: 'text', text: JSON.stringify({ sleptMs: ms }) }] };
    },
  );
  for (let i = 0; i < extraTools; i++) {
    server.registerTool(
      `tool_${i}`,
      {
        description: `Synthetic tool ${i} of a large catalogue`,
        inputSchema: z.object({ text: z.string(), count: z.number().int().optional() }),
      },
      ({ text }) => ({ content: [{ type: 'text', text }] }),
    );
  }
  return server;
}

/** 50 lazy categories of 20 tools each: the 1,000-tool catalogue behind x-server's surface. */
function catalogue(): CategorySpec[] {
  return Array.from({ length: 50 }, (_, c) =>
    defineCategory({
      name: `cat${c}`,
      description: `Synthetic category ${c}`,
      tools: () =>
        Array.from({ length: 20 }, (_, t) =>
          defineTool({
            name: `tool_${t}`,
            description: `Synthetic tool ${t} of category ${c}`,
            input: z.object({ text: z.string(), count: z.number().int().optional() }),
            run: ({ text }) => ({ text }),
          }),
        ),
    }),
  );
}

/** x-server's settings for this suite, in-process and in the child processes alike. */
const settings = (dir: string) => ({
  http: { port: 0, maxSessions: 10_000 },
  fs: { root: dir },
  cache: { dir: join(dir, 'cache') },
  telemetry: { dir: join(dir, 'telemetry') },
});

async function xServer(dir: string, categories: CategorySpec[] = []): Promise<XServer> {
  const app = await XServer.create({ config: parseConfig(settings(dir)), categories });
  closers.push(() => app.close());
  return app;
}

async function inMemoryClient(server: Connectable): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientSide);
  closers.push(() => client.close());
  return client;
}

/** The bare SDK 2 server over HTTP in this process (for the load run, which weighs the heap). */
async function bareHttpInProcess(): Promise<string> {
  const handler = createMcpHandler(() => createBareServer());
  const server = createServer(toNodeHandler(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await handler.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

/** The processes of the cross-process round trips: x-server's CLI and the bare SDK 2 script. */
function processes(config: string, cwd: string) {
  const xServerArgs = (...flags: string[]) => [X_SERVER_CLI, ...flags, '--config', config];
  return {
    stdio: (kind: 'bare' | 'ours', era: Era, name?: string) =>
      stdioClient(
        era,
        kind === 'bare'
          ? { command: process.execPath, args: [BARE_SERVER, '--stdio'], cwd }
          : { command: process.execPath, args: xServerArgs('--stdio'), cwd },
        name,
      ),
    http: (kind: 'bare' | 'ours') =>
      kind === 'bare'
        ? spawnHttpServer(process.execPath, [BARE_SERVER, '--http'], { cwd })
        : spawnHttpServer(process.execPath, xServerArgs('--http', '--port', '0'), { cwd }),
  };
}

// Each contender has its own client where it can: the SDK's HTTP client adds an abort listener per
// request to one long-lived signal (freed only by GC), so a shared client would slow whoever runs
// later.
function roundTrip(bare: Client, ours: Client, oursCached: Client) {
  return [
    { name: BARE, run: () => bare.callTool({ name: 'echo', arguments: { value: 42 } }) },
    { name: OURS, run: () => ours.callTool({ name: 'dispatch', arguments: uncachedCall }) },
    { name: CACHED, run: () => oursCached.callTool({ name: 'dispatch', arguments: cachedCall }) },
  ];
}

/**
 * One round-trip workload per era and transport, each server in its own child process. Every
 * era must be served: a client x-server cannot answer fails the suite (and CI's quick run).
 */
async function crossProcessRoundTrips(
  dir: string,
  config: string,
  quick: boolean,
): Promise<Workload[]> {
  const spawn = processes(config, dir);
  const [bareHttp, oursHttp] = [await spawn.http('bare'), await spawn.http('ours')];
  closers.push(() => bareHttp.close());
  closers.push(() => oursHttp.close());
  const workloads: Workload[] = [];
  for (const transport of ['stdio', 'Streamable HTTP'] as const) {
    for (const era of ERAS) {
      const name = `call round trip over ${transport}, ${ERA_CLIENT[era]}, separate processes`;
      let bare: Client;
      if (transport === 'stdio') {
        const child = await spawn.stdio('bare', era);
        closers.push(() => child.close());
        bare = child.client;
      } else {
        bare = await httpClient(era, bareHttp.url);
        closers.push(() => bare.close());
      }
      {
        let ours: Client;
        let cached: Client;
        if (transport === 'stdio') {
          const child = await spawn.stdio('ours', era);
          closers.push(() => child.close());
          ours = child.client;
          cached = child.client;
        } else {
          ours = await httpClient(era, oursHttp.url);
          closers.push(() => ours.close());
          cached = await httpClient(era, oursHttp.url);
          closers.push(() => cached.close());
        }
        const probe = await ours.callTool({ name: 'dispatch', arguments: uncachedCall });
        if (probe.isError) throw new Error(JSON.stringify(probe.content));
        workloads.push({
          name,
          ours: OURS,
          latency: true,
          goal: ROUND_TRIP_GOAL,
          contenders: roundTrip(bare, ours, cached),
        });
      }
    }
  }
  workloads.push(...crossProcessLoad(bareHttp.url, oursHttp.url, quick));
  return workloads;
}

/**
 * The load run against the same two HTTP children: the figures users get, with each server in its
 * own process (the in-process load run below shares one event loop among the clients and both
 * servers, so each server's tail there is partly the others' work).
 */
function crossProcessLoad(bareUrl: string, oursUrl: string, quick: boolean): Workload[] {
  const sessions = quick ? 4 : 100;
  const durationMs = quick ? 200 : 3_000;
  const rounds: Record<string, LoadFigures>[] = [];
  let read = 0;
  const name = `load: ${sessions} concurrent 2025-era HTTP clients, separate processes`;
  return [
    {
      kind: 'metric',
      name: `${name}, calls per second`,
      ours: OURS,
      unit: 'calls/s',
      better: 'higher',
      measure: async () => {
        const round: Record<string, LoadFigures> = {
          [OURS]: await loadRun(
            oursUrl,
            (client) => client.call('dispatch', uncachedCall),
            sessions,
            durationMs,
          ),
          [BARE]: await loadRun(
            bareUrl,
            (client) => client.call('echo', { value: 42 }),
            sessions,
            durationMs,
          ),
        };
        rounds.push(round);
        return { [OURS]: round[OURS]!.callsPerSec, [BARE]: round[BARE]!.callsPerSec };
      },
    },
    {
      kind: 'metric',
      name: `${name}, p99 latency (same runs)`,
      ours: OURS,
      unit: 'ms',
      better: 'lower',
      measure: () => {
        const round = rounds[read++ % rounds.length]!;
        return { [OURS]: round[OURS]!.p99Ms, [BARE]: round[BARE]!.p99Ms };
      },
    },
  ];
}

/** CPU time a process has had so far, every thread, in µs (from each task's schedstat). */
async function cpuMicros(pid: number): Promise<number> {
  let ns = 0;
  for (const task of await readdir(`/proc/${pid}/task`)) {
    // A thread that ended meanwhile has no file left: it adds nothing.
    const stat = await readFile(`/proc/${pid}/task/${task}/schedstat`, 'utf8').catch(() => '0');
    ns += Number(stat.split(' ')[0]);
  }
  return ns / 1000;
}

/**
 * The server process's CPU time per uncached call, x-server's `dispatch` against the bare
 * server's echo, over each transport and era (each server in its own child, the client here),
 * the two interleaved in every round. The per-call cost of the server as it is deployed, which
 * a loaded machine's scheduling delays do not inflate the way they inflate round trips.
 * Linux only (`/proc`); elsewhere the workloads are left out with a note.
 */
async function cpuPerCall(dir: string, config: string, quick: boolean): Promise<Workload[]> {
  if (!existsSync('/proc/self/task')) {
    process.stderr.write('note: server CPU per call needs /proc (Linux): not measured here\n');
    return [];
  }
  const spawn = processes(config, dir);
  // Long enough per round that a garbage collection more or less in one window moves little.
  const calls = quick ? 200 : 10_000;
  const workloads: Workload[] = [];
  const [bareHttp, oursHttp] = [await spawn.http('bare'), await spawn.http('ours')];
  closers.push(() => bareHttp.close());
  closers.push(() => oursHttp.close());
  for (const transport of ['stdio', 'Streamable HTTP'] as const) {
    for (const era of ERAS) {
      const open = async (kind: 'bare' | 'ours'): Promise<{ client: Client; pid: number }> => {
        if (transport === 'stdio') {
          const child = await spawn.stdio(kind, era);
          closers.push(() => child.close());
          return child;
        }
        const client = await httpClient(era, kind === 'bare' ? bareHttp.url : oursHttp.url);
        closers.push(() => client.close());
        return { client, pid: kind === 'bare' ? bareHttp.pid : oursHttp.pid };
      };
      const bare = await open('bare');
      const ours = await open('ours');
      const sides = [
        { name: BARE, ...bare, call: { name: 'echo', arguments: { value: 42 } } },
        { name: OURS, ...ours, call: { name: 'dispatch', arguments: uncachedCall } },
      ];
      let warm = false;
      workloads.push({
        kind: 'metric',
        name: `server CPU time per uncached call over ${transport}, ${ERA_CLIENT[era]}, separate processes (every thread of the server process)`,
        ours: OURS,
        unit: 'µs CPU/call',
        better: 'lower',
        goal: `at most 30% slower than ${BARE}`,
        measure: async () => {
          if (!warm) {
            // A server that just started runs its first thousands of calls before the JIT has
            // compiled the path.
            warm = true;
            for (const side of sides)
              for (let i = 0; i < calls; i++) await side.client.callTool(side.call);
          }
          const figures: Record<string, number> = {};
          for (const side of sides) {
            const before = await cpuMicros(side.pid);
            for (let i = 0; i < calls; i++) await side.client.callTool(side.call);
            figures[side.name] = ((await cpuMicros(side.pid)) - before) / calls;
          }
          return figures;
        },
      });
    }
  }
  return workloads;
}

/** Creates `count` instances from each factory, interleaved; µs per instance. */
function instanceCost(
  factories: Record<string, () => unknown>,
  count: number,
): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const [name, factory] of Object.entries(factories)) {
    const made: unknown[] = new Array(count);
    const started = performance.now();
    for (let i = 0; i < count; i++) made[i] = factory();
    figures[name] = ((performance.now() - started) * 1000) / count;
    for (const server of made) void (server as Connectable).close?.().catch(() => {});
  }
  return figures;
}

export default defineSuite({
  package: 'server',
  description:
    'x-server against a bare MCP SDK 2 server serving the same trivial tool (McpServer from a factory; createMcpHandler + toNodeHandler with its stateless legacy fallback over HTTP, serveStdio over stdio). Round trips: the SDK 2 client in this process, each server in its own child process, for both protocol eras and both transports. Workloads marked in-process run x-server (embedded defaults: scheduler, breaker, memory + disk cache, JSONL telemetry) and the bare server in this process.',
  workloads: async ({ quick }) => {
    try {
      const dir = await mkdtemp(join(tmpdir(), 'x-server-bench-'));
      closers.push(() => rm(dir, { recursive: true, force: true }));
      const config = join(dir, 'x-server.json');
      await writeFile(config, JSON.stringify(settings(dir)));

      const roundTrips = await crossProcessRoundTrips(dir, config, quick);
      const cpu = await cpuPerCall(dir, config, quick);

      const instanceApp = await xServer(dir);
      const oursFactory = () => instanceApp.createMcpServer();
      const instances = quick ? 20 : 2_000;

      const bigBare = await inMemoryClient(bareServer(1000));
      const bigOurs = await inMemoryClient(
        (await xServer(dir, catalogue())).createMcpServer() as unknown as Connectable,
      );
      // Loads cat7 and computes the schema once; every timed call is then a cache hit.
      await bigOurs.callTool({
        name: 'get_tool_schema',
        arguments: { category: 'cat7', tool: 'tool_3' },
      });
      const parallelOurs = await inMemoryClient(
        (await xServer(dir)).createMcpServer() as unknown as Connectable,
      );
      const parallelBare = await inMemoryClient(bareServer());

      const spawn = processes(config, dir);
      const sleepMs = quick ? 5 : 50;
      const loadSessions = quick ? 4 : 100;
      // Full mode: 5 rounds x 2 contenders x 3 s = 30 s of load, the budget.
      const loadMs = quick ? 200 : 3_000;
      const loadRounds: Record<string, LoadFigures>[] = [];
      const loadBareUrl = await bareHttpInProcess();
      const loadOursUrl = (await (await xServer(dir)).serveHttp()).url;
      let loadRead = 0;
      const loadFigure = (pick: (f: LoadFigures) => number) => () => {
        const round = loadRounds[loadRead++ % loadRounds.length]!;
        return { [OURS]: pick(round[OURS]!), [BARE]: pick(round[BARE]!) };
      };

      return [
        ...roundTrips,
        ...cpu,
        {
          kind: 'metric',
          name: 'one modern request’s server instance: creating it from the factory (in-process)',
          ours: 'x-server createMcpServer()',
          unit: 'µs',
          better: 'lower',
          measure: () =>
            instanceCost(
              { 'x-server createMcpServer()': oursFactory, [`${BARE} factory`]: createBareServer },
              instances,
            ),
        },
        {
          name: 'discovery with 1,000 tools in 50 lazy categories (in-process, in-memory transport)',
          ours: 'x-server list_categories',
          latency: true,
          goal: 'list_categories under 1 ms and cached get_tool_schema under 0.1 ms server-side',
          contenders: [
            {
              name: 'x-server list_categories',
              run: () => bigOurs.callTool({ name: 'list_categories', arguments: {} }),
            },
            {
              name: 'x-server get_tool_schema (cached)',
              run: () =>
                bigOurs.callTool({
                  name: 'get_tool_schema',
                  arguments: { category: 'cat7', tool: 'tool_3' },
                }),
            },
            { name: 'bare tools/list (1,000 tools)', run: () => bigBare.listTools() },
          ],
        },
        {
          kind: 'metric',
          name: 'cold start to the first answer (spawn, initialize, one list call; 2025-11-25 client)',
          ours: 'x-server',
          unit: 'ms',
          better: 'lower',
          goal: 'under 500 ms',
          measure: async () => {
            const time = async (kind: 'bare' | 'ours') => {
              const started = performance.now();
              const child = await spawn.stdio(kind, '2025-11-25');
              try {
                if (kind === 'ours') {
                  await child.client.callTool({ name: 'list_categories', arguments: {} });
                } else {
                  await child.client.listTools();
                }
                return performance.now() - started;
              } finally {
                await child.close();
              }
            };
            return { 'x-server': await time('ours'), [BARE]: await time('bare') };
          },
        },
        {
          kind: 'metric',
          name: `10 parallel calls of a ${sleepMs} ms tool (makespan, in-process)`,
          ours: 'x-server dispatch_parallel',
          unit: 'ms',
          better: 'lower',
          goal: quick ? undefined : 'under 60 ms',
          measure: async () => {
            const calls = Array.from({ length: 10 }, () => ({
              category: 'demo',
              tool: 'sleep',
              params: { ms: sleepMs },
            }));
            let started = performance.now();
            await parallelOurs.callTool({ name: 'dispatch_parallel', arguments: { calls } });
            const ours = performance.now() - started;
            started = performance.now();
            await Promise.all(
              calls.map(() => parallelBare.callTool({ name: 'sleep', arguments: { ms: sleepMs } })),
            );
            return {
              'x-server dispatch_parallel': ours,
              [`${BARE} (10 concurrent calls)`]: performance.now() - started,
            };
          },
        },
        {
          kind: 'metric',
          name: `load: ${loadSessions} concurrent 2025-era HTTP clients, calls per second (in-process servers)`,
          ours: OURS,
          unit: 'calls/s',
          better: 'higher',
          measure: async () => {
            const round: Record<string, LoadFigures> = {};
            round[OURS] = await loadRun(
              loadOursUrl,
              (client) => client.call('dispatch', uncachedCall),
              loadSessions,
              loadMs,
            );
            round[BARE] = await loadRun(
              loadBareUrl,
              (client) => client.call('echo', { value: 42 }),
              loadSessions,
              loadMs,
            );
            loadRounds.push(round);
            return { [OURS]: round[OURS].callsPerSec, [BARE]: round[BARE].callsPerSec };
          },
        },
        {
          kind: 'metric',
          name: `load: ${loadSessions} concurrent 2025-era HTTP clients, p99 latency (same runs)`,
          ours: OURS,
          unit: 'ms',
          better: 'lower',
          measure: loadFigure((f) => f.p99Ms),
        },
        {
          kind: 'metric',
          name: 'load: heap growth per 1,000 calls after GC (same runs; both servers in this process)',
          ours: OURS,
          unit: 'bytes',
          better: 'lower',
          goal: 'flat (near 0)',
          measure: loadFigure((f) => f.heapBytesPer1000Calls),
        },
      ];
    } catch (error) {
      // The harness calls teardown only once the workloads exist: end what was started here.
      await closers.closeAll();
      throw error;
    }
  },
  teardown: () => closers.closeAll(),
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { defineSuite, type Workload } from '../types.js';
import { RawSession } from './_load.js';
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
import { RawStdioClient } from './_raw-stdio.js';

const PLUGIN = join(import.meta.dirname, '_bench-plugin.mjs');
const CACHED = 'x-server dispatch (cached)';
/** The bare server's `work` tool taking `ms`: calling the tool without x-server. */
const bareWork = (ms: number) => `bare SDK 2 server, ${ms} ms tool`;
/** The bare server's trivial `echo`: the round trip no server can go under on that transport. */
const FLOOR = 'bare SDK 2 server, trivial echo (the floor)';
/** How long the `work` tool takes: 1 ms as the issue asks, and longer, to show where 10x holds. */
const TOOL_MS = [1, 10] as const;
const WORKFLOW = 'x-server workflow_run';
const CLIENT_SIDE = 'the same 6 calls as dispatches from the client';
const COALESCED = 'x-server dispatch';
const BARE = 'bare SDK 2 server';

const closers = new Closers();

/** x-server's settings here: the plugin with the bench tools, its own cache and telemetry dirs. */
const settings = (dir: string) => ({
  http: { port: 0, maxSessions: 10_000 },
  fs: { root: dir },
  cache: { dir: join(dir, 'cache') },
  telemetry: { dir: join(dir, 'telemetry') },
  plugins: [{ name: 'bench', module: PLUGIN, description: 'The hot-path suite tools' }],
});

/** A tool's first text block parsed, failing the suite on a tool error. */
function parsed(answer: Awaited<ReturnType<Client['callTool']>>): Record<string, unknown> {
  if (answer.isError) throw new Error(`tool failed: ${JSON.stringify(answer.content)}`);
  const block = (answer.content as { type: string; text?: string }[])[0];
  return JSON.parse(block?.text ?? '{}') as Record<string, unknown>;
}

/** The JSON-RPC result of a raw response body (plain JSON, or the data line of an SSE stream). */
function rpcResult(body: string): { structuredContent?: Record<string, unknown> } {
  const json = body.trimStart().startsWith('{') ? body : (/^data: (.*)$/m.exec(body)?.[1] ?? '{}');
  return (
    (JSON.parse(json) as { result?: { structuredContent?: Record<string, unknown> } }).result ?? {}
  );
}

interface Servers {
  stdio: (kind: 'bare' | 'ours', era: Era) => Promise<Client>;
  raw: (kind: 'bare' | 'ours', era: Era) => Promise<RawStdioClient>;
  bareUrl: string;
  oursUrl: string;
}

async function servers(dir: string): Promise<Servers> {
  const config = join(dir, 'x-server.json');
  await writeFile(config, JSON.stringify(settings(dir)));
  const ours = (...flags: string[]) => [X_SERVER_CLI, ...flags, '--config', config];
  const bareHttp = await spawnHttpServer(process.execPath, [BARE_SERVER, '--http'], { cwd: dir });
  closers.push(() => bareHttp.close());
  const oursHttp = await spawnHttpServer(process.execPath, ours('--http', '--port', '0'), {
    cwd: dir,
  });
  closers.push(() => oursHttp.close());
  return {
    bareUrl: bareHttp.url,
    oursUrl: oursHttp.url,
    stdio: async (kind, era) => {
      const args = kind === 'bare' ? [BARE_SERVER, '--stdio'] : ours('--stdio');
      const child = await stdioClient(era, { command: process.execPath, args, cwd: dir });
      closers.push(() => child.close());
      return child.client;
    },
    raw: async (kind, era) => {
      const args = kind === 'bare' ? [BARE_SERVER, '--stdio'] : ours('--stdio');
      const client = await RawStdioClient.start(era, { command: process.execPath, args, cwd: dir });
      closers.push(() => client.close());
      return client;
    },
  };
}

/**
 * Cached dispatch of a tool taking 1 ms (and 10 ms) against calling that tool on a bare server,
 * per transport and era. A sequential round trip has a floor, the bare server's trivial call over
 * the same client and transport, that no server goes under: with a 1 ms tool, 10x needs a round
 * trip ten times shorter than the tool itself takes, so the 1 ms workload also runs the floor and
 * holds the cached dispatch to within 1.3x of it; the 10 ms workload shows where 10x holds.
 */
async function cachedWorkloads(spawned: Servers): Promise<Workload[]> {
  const workloads: Workload[] = [];
  for (const transport of ['stdio', 'Streamable HTTP'] as const) {
    for (const era of ERAS) {
      const connect = (kind: 'bare' | 'ours') =>
        transport === 'stdio'
          ? spawned.stdio(kind, era)
          : httpClient(era, kind === 'bare' ? spawned.bareUrl : spawned.oursUrl).then((c) => {
              closers.push(() => c.close());
              return c;
            });
      const [bare, ours] = [await connect('bare'), await connect('ours')];
      for (const ms of TOOL_MS) {
        // 1 ms is the tool's default: the 1 ms call is the one the goal was set on.
        const params = ms === 1 ? { n: 1 } : { n: 1, ms };
        const cachedCall = { category: 'bench', tool: 'work', params };
        // Fills the cache; every timed call is then a hit.
        parsed(await ours.callTool({ name: 'dispatch', arguments: cachedCall }));
        const contenders = [
          { name: CACHED, run: () => ours.callTool({ name: 'dispatch', arguments: cachedCall }) },
          { name: bareWork(ms), run: () => bare.callTool({ name: 'work', arguments: params }) },
        ];
        if (ms === 1) {
          contenders.push({
            name: FLOOR,
            run: () => bare.callTool({ name: 'echo', arguments: { value: 1 } }),
          });
        }
        workloads.push({
          name: `a ${ms} ms tool: cached dispatch vs the bare call${ms === 1 ? ' and the bare trivial call' : ''}, over ${transport}, ${ERA_CLIENT[era]}, separate processes`,
          ours: CACHED,
          latency: true,
          goal:
            ms === 1
              ? `at least 10x ${bareWork(ms)}; at most 30% slower than ${FLOOR}`
              : `at least 10x ${bareWork(ms)}`,
          contenders,
        });
      }
    }
  }
  // The same 1 ms workload from a client without the SDK: the SDK 2 client adds 30-70 µs of
  // its own to every round trip here, the same with every server, which puts a floor under the
  // ratios above. These are the servers' own round trips, as a lean client sees them.
  for (const era of ERAS) {
    const [bare, ours] = [await spawned.raw('bare', era), await spawned.raw('ours', era)];
    workloads.push(
      await rawWorkload(
        `stdio, ${era} from a client without the SDK (raw JSON-RPC lines)`,
        (name, args) => ours.callTool(name, args),
        (name, args) => bare.callTool(name, args),
      ),
    );
  }
  // And over HTTP: node:http on one keep-alive connection per server (_load.ts).
  const session = async (url: string): Promise<RawCall> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    closers.push(() => agent.destroy());
    const opened = await new RawSession(url, agent).open();
    closers.push(() => opened.close());
    return async (name, args) => {
      const body = await opened.call(name, args);
      if (body.includes('"isError":true')) throw new Error(`${name} failed: ${body}`);
    };
  };
  workloads.push(
    await rawWorkload(
      'Streamable HTTP, 2025-06-18 from a client without the SDK (node:http, one keep-alive connection)',
      await session(spawned.oursUrl),
      await session(spawned.bareUrl),
    ),
  );
  return workloads;
}

/** Calls a tool on one server from a client without the SDK; rejects on any error. */
type RawCall = (name: string, args: Record<string, unknown>) => Promise<unknown>;

/** The cached 1 ms call against the bare 1 ms call and the bare trivial call, over `over`. */
async function rawWorkload(over: string, ours: RawCall, bare: RawCall): Promise<Workload> {
  const cachedCall = { category: 'bench', tool: 'work', params: { n: 1 } };
  // Fills the cache; every timed call is then a hit.
  await ours('dispatch', cachedCall);
  return {
    name: `a 1 ms tool: cached dispatch vs the bare call and the bare trivial call, over ${over}, separate processes`,
    ours: CACHED,
    latency: true,
    goal: `at least 10x ${bareWork(1)}; at most 30% slower than ${FLOOR}`,
    contenders: [
      { name: CACHED, run: () => ours('dispatch', cachedCall) },
      { name: bareWork(1), run: () => bare('work', { n: 1 }) },
      { name: FLOOR, run: () => bare('echo', { value: 1 }) },
    ],
  };
}

/** N identical calls at once (a fresh key each round): how many times the tool ran. */
function coalescingWorkload(spawned: Servers, n: number): Workload {
  let round = 0;
  return {
    kind: 'metric',
    name: `coalescing: ${n} identical calls of a cacheable 20 ms tool in flight together, over Streamable HTTP (2026-07-28 client), separate processes: executions of the tool`,
    ours: COALESCED,
    unit: 'executions',
    better: 'lower',
    goal: 'at most 1 executions',
    measure: async () => {
      const [bare, ours] = await Promise.all([
        httpClient('2026-07-28', spawned.bareUrl),
        httpClient('2026-07-28', spawned.oursUrl),
      ]);
      try {
        const executions = async (client: Client, viaDispatch: boolean): Promise<number> => {
          if (!viaDispatch) {
            return parsed(await client.callTool({ name: 'executions', arguments: {} }))
              .executions as number;
          }
          const answer = await client.callTool({
            name: 'dispatch',
            arguments: { category: 'bench', tool: 'executions' },
          });
          return (parsed(answer).result as { executions: number }).executions;
        };
        const params = { key: `round-${round++}-${Date.now()}`, ms: 20 };
        const before = [await executions(ours, true), await executions(bare, false)];
        await Promise.all(
          Array.from({ length: n }, () =>
            ours.callTool({
              name: 'dispatch',
              arguments: { category: 'bench', tool: 'lookup', params },
            }),
          ),
        );
        await Promise.all(
          Array.from({ length: n }, () => bare.callTool({ name: 'lookup', arguments: params })),
        );
        const after = [await executions(ours, true), await executions(bare, false)];
        return { [COALESCED]: after[0]! - before[0]!, [BARE]: after[1]! - before[1]! };
      } finally {
        await Promise.all([bare.close(), ours.close()]);
      }
    },
  };
}

/** One 6-step workflow of cheap calls (3 uncached, 3 cached-tool misses), `w` unique per run. */
function steps(w: string) {
  const flaky = { category: 'demo', tool: 'flaky', params: { failureRate: 0 } };
  const echo = (value: string) => ({ category: 'demo', tool: 'echo', params: { value } });
  return [
    { id: 'a', ...flaky },
    { id: 'b', ...echo(`${w}-b`), needs: ['a'] },
    { id: 'c', ...echo(`${w}-c`), needs: ['a'] },
    { id: 'd', ...flaky, needs: ['a'] },
    { id: 'e', ...echo(`${w}-e`), needs: ['b', 'c', 'd'] },
    { id: 'f', ...flaky, needs: ['e'] },
  ];
}

/**
 * `runs` concurrent 6-step workflows from `sessions` HTTP sessions (2025-era, as the seeds' scale
 * test), workflows/s; every run must succeed. Beside it: the client running the same six calls
 * itself (same order, same sessions), one dispatch each.
 */
function workflowWorkload(url: string, runs: number, sessions: number): Workload {
  let batch = 0;
  let failures = 0;
  let warmed = false;
  return {
    kind: 'metric',
    name: `workflow_run at the seeds' scale: ${runs} concurrent 6-step workflows of cheap calls from ${sessions} HTTP sessions (separate processes), workflows/s`,
    ours: WORKFLOW,
    unit: 'workflows/s',
    better: 'higher',
    goal: 'at least 600 workflows/s, all succeeding',
    meetsGoal: (result) => failures === 0 && (result.results[WORKFLOW]?.value ?? 0) >= 600,
    measure: async () => {
      // Each session on its own pool of at most 16 keep-alive connections, as an HTTP client
      // library would keep: 10 sessions, 160 connections at most.
      const agents = Array.from(
        { length: sessions },
        () => new Agent({ keepAlive: true, maxSockets: 16 }),
      );
      const clients = await Promise.all(agents.map((agent) => new RawSession(url, agent).open()));
      try {
        const prefix = `b${batch++}-${Date.now()}`;
        const timed = async (one: (client: RawSession, i: number) => Promise<void>) => {
          const started = performance.now();
          await Promise.all(Array.from({ length: runs }, (_, i) => one(clients[i % sessions]!, i)));
          return runs / ((performance.now() - started) / 1000);
        };
        const workflow = (label: string) => async (client: RawSession, i: number) => {
          const body = await client.call('workflow_run', { steps: steps(`${label}-w${i}`) });
          const report = rpcResult(body).structuredContent;
          if (report?.status !== 'succeeded') failures++;
        };
        const clientCalls = (label: string) => async (client: RawSession, i: number) => {
          const call = (step: ReturnType<typeof steps>[number]) =>
            client.call('dispatch', {
              category: step.category,
              tool: step.tool,
              params: step.params,
            });
          const [a, b, c, d, e, f] = steps(`${label}-c${i}`);
          await call(a!);
          await Promise.all([call(b!), call(c!), call(d!)]);
          await call(e!);
          await call(f!);
        };
        // The first round starts with two untimed batches of each: a server that just started
        // runs its first thousands of calls before the JIT has compiled the path.
        if (!warmed) {
          warmed = true;
          for (let w = 0; w < 2; w++) {
            await timed(workflow(`${prefix}-warm${w}`));
            await timed(clientCalls(`${prefix}-warm${w}`));
          }
        }
        const ours = await timed(workflow(prefix));
        const clientSide = await timed(clientCalls(prefix));
        if (failures > 0) throw new Error(`${failures} workflow runs did not succeed`);
        if (RawSession.resets > 0) {
          process.stderr.write(
            `\nnote: ${RawSession.resets} POSTs sent again after ECONNRESET on a reused keep-alive connection (so far)\n`,
          );
        }
        return { [WORKFLOW]: ours, [CLIENT_SIDE]: clientSide };
      } finally {
        await Promise.all(clients.map((client) => client.close()));
        for (const agent of agents) agent.destroy();
      }
    },
  };
}

export default defineSuite({
  package: 'hot-path',
  description:
    "x-server's hot path, every process separate (the client here, x-server's CLI and the bare SDK 2 server each in a child): a cached dispatch of a tool that takes 1 ms against calling that tool on the bare server, and against the bare server's trivial call (the round trip's floor, which no server goes under: 10x a 1 ms tool needs a round trip under 0.1 ms); the same with a tool taking 10 ms; the 1 ms workload again from a client without the SDK (raw JSON-RPC lines over stdio, node:http over Streamable HTTP), whose round trip is the servers' own; N identical calls in flight together (coalescing: how many times the tool runs); and workflow_run at the seeds' scale (500 concurrent 6-step workflows from 10 HTTP sessions) against the client making the same calls itself.",
  workloads: async ({ quick }) => {
    try {
      const dir = await mkdtemp(join(tmpdir(), 'x-hot-path-bench-'));
      closers.push(() => rm(dir, { recursive: true, force: true }));
      const spawned = await servers(dir);
      return [
        ...(await cachedWorkloads(spawned)),
        coalescingWorkload(spawned, quick ? 5 : 50),
        workflowWorkload(spawned.oursUrl, quick ? 50 : 500, 10),
      ];
    } catch (error) {
      // The harness calls teardown only once the workloads exist: end what was started here.
      await closers.closeAll();
      throw error;
    }
  },
  teardown: () => closers.closeAll(),
});

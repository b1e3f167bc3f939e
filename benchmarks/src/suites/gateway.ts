import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Client,
  InMemoryTransport,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parseConfig, XServer, type XServerConfigInput } from '@x/server';
import { defineSuite, type Workload } from '../types.js';
import {
  BARE_SERVER,
  Closers,
  type Era,
  httpClient,
  isAlive,
  spawnHttpServer,
  stdioClient,
  X_SERVER_CLI,
} from './_processes.js';

// The reference MCP servers are dev dependencies of @x/server; run their bins with this Node.
const serverModules = join(
  dirname(fileURLToPath(import.meta.resolve('@x/server'))),
  '..',
  'node_modules',
  '@modelcontextprotocol',
);
const EVERYTHING = join(serverModules, 'server-everything', 'dist', 'index.js');
// The server tests' SDK 2 peer that serves 2026-07-28 only (run as a script: serveStdio, reject).
const MODERN_FIXTURE = join(serverModules, '..', '..', 'test', 'fixtures', 'modern-peer.mjs');
const MEMORY = join(serverModules, 'server-memory', 'dist', 'index.js');

const GATEWAY = 'x-server gateway';
const CACHED = 'x-server gateway (cached)';
const DIRECT = 'SDK Client direct';
const DIRECT_EXPOSED = 'x-server gateway, tool exposed directly';
const RELAY = 'a line relay (the floor of an extra hop)';
// The floor of any extra stdio hop: parse, re-id, rename, serialize, nothing else.
const RELAY_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '_relay.mjs');
/** The goal for the extra hop: at most 1.6× the direct call's time. */
const HOP_GOAL = 'at most 60% overhead over SDK Client direct (1.6× its time)';

const closers = new Closers();

/** What `McpServer.connect` takes, in whichever SDK an x-server build is on. */
interface Connectable {
  connect(transport: unknown): Promise<void>;
}

function stdioPeer(bin: string, args: string[], env: Record<string, string> = {}) {
  return { command: process.execPath, args: [bin, ...args], env };
}

async function directClient(bin: string, args: string[], env: Record<string, string> = {}) {
  const client = new Client({ name: 'bench-direct', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [bin, ...args],
      env: { ...(process.env as Record<string, string>), ...env },
      stderr: 'ignore',
    }),
  );
  return client;
}

async function gatewayApp(dir: string, input: XServerConfigInput): Promise<XServer> {
  const config = parseConfig({
    ...input,
    cache: { dir: join(dir, 'cache'), ...input.cache },
    telemetry: { dir: join(dir, 'telemetry') },
    shutdownGraceMs: 2_000,
  });
  return XServer.create({ config });
}

async function inMemoryClient(app: XServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await (app.createMcpServer() as unknown as Connectable).connect(serverSide);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

function p99(latencies: number[]): number {
  latencies.sort((a, b) => a - b);
  return latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
}

async function settle(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check() && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface FanOutFigures {
  p99Ms: number;
  warnings: number;
  sessionsLeft: number;
  processesLeft: number;
}

/** Calls alternate between the two peers: server-everything's echo and server-memory's read_graph. */
const fanOutCall = (i: number) =>
  i % 2 === 0
    ? { category: 'everything', tool: 'echo', params: { message: `m${i}` } }
    : { category: 'memory', tool: 'read_graph', params: {} };

/**
 * A fresh gateway fronting two stdio peers, reached in-process (`memory`: the gateway's own cost)
 * or over Streamable HTTP (`http`: a real session, whose closing is checked); `calls` concurrent
 * dispatches; then everything is closed and what is left behind is counted.
 */
async function gatewayFanOut(
  dir: string,
  calls: number,
  front: 'memory' | 'http',
): Promise<FanOutFigures> {
  let warnings = 0;
  const onWarning = (warning: Error) => {
    if (warning.name === 'MaxListenersExceededWarning') warnings++;
  };
  process.on('warning', onWarning);
  const app = await gatewayApp(dir, {
    builtins: [],
    http: { port: 0 },
    peers: {
      everything: { ...stdioPeer(EVERYTHING, ['stdio']), cache: false },
      memory: {
        ...stdioPeer(MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
        cache: false,
      },
    },
  });
  const http = front === 'http' ? await app.serveHttp() : undefined;
  let transport: StreamableHTTPClientTransport | undefined;
  let client: Client;
  if (http) {
    transport = new StreamableHTTPClientTransport(new URL(http.url));
    client = new Client({ name: 'bench-fan-out', version: '1.0.0' });
    await client.connect(transport);
  } else {
    client = await inMemoryClient(app);
  }
  // Load both categories first: the figure is about calls, not the first tools/list.
  await client.callTool({ name: 'list_tools', arguments: { category: 'everything' } });
  await client.callTool({ name: 'list_tools', arguments: { category: 'memory' } });
  const latencies = await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      const started = performance.now();
      const answer = await client.callTool({ name: 'dispatch', arguments: fanOutCall(i) });
      if (answer.isError) throw new Error(`dispatch failed: ${JSON.stringify(answer.content)}`);
      return performance.now() - started;
    }),
  );
  const pids = app.peers.processIds();
  await transport?.terminateSession();
  await client.close();
  await app.close();
  const sessions = () => http?.transport.sessions ?? 0;
  await settle(() => pids.every((pid) => !isAlive(pid)) && sessions() === 0, 5_000);
  process.off('warning', onWarning);
  return {
    p99Ms: p99(latencies),
    warnings,
    sessionsLeft: sessions(),
    processesLeft: pids.filter(isAlive).length,
  };
}

/** The same calls straight to the two peers over two SDK Clients (stdio), no gateway. */
async function directFanOut(dir: string, calls: number): Promise<number> {
  const everything = await directClient(EVERYTHING, ['stdio']);
  const memory = await directClient(MEMORY, [], {
    MEMORY_FILE_PATH: join(dir, 'memory-direct.jsonl'),
  });
  const latencies = await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      const { tool, params } = fanOutCall(i);
      const started = performance.now();
      await (i % 2 === 0 ? everything : memory).callTool({ name: tool, arguments: params });
      return performance.now() - started;
    }),
  );
  await Promise.all([everything.close(), memory.close()]);
  return p99(latencies);
}

/** A peer of the cross-process workloads, the era it serves, and the call made to it. */
interface PeerCase {
  category: string;
  label: string;
  era: Era;
  /** The peer's command; over `http`, the command of a server that prints its URL. */
  peer: { command: string; args: string[] };
  transport: 'stdio' | 'Streamable HTTP';
  tool: string;
  params: Record<string, unknown>;
}

const PEER_CASES: PeerCase[] = [
  {
    category: 'everything',
    label: 'server-everything echo (a 2025-era peer)',
    era: '2025-11-25',
    peer: stdioPeer(EVERYTHING, ['stdio']),
    transport: 'stdio',
    tool: 'echo',
    params: { message: 'hello' },
  },
  {
    category: 'modern',
    label: "a bare SDK 2 server's echo serving only 2026-07-28 (legacy: 'reject')",
    era: '2026-07-28',
    peer: stdioPeer(BARE_SERVER, ['--stdio', '--modern-only']),
    transport: 'stdio',
    tool: 'echo',
    params: { value: 42 },
  },
  {
    category: 'modern_http',
    label: "a bare SDK 2 server's echo serving only 2026-07-28 (legacy: 'reject')",
    era: '2026-07-28',
    peer: stdioPeer(BARE_SERVER, ['--http', '--modern-only']),
    transport: 'Streamable HTTP',
    tool: 'echo',
    params: { value: 42 },
  },
  ...(existsSync(MODERN_FIXTURE)
    ? [
        {
          category: 'modern_fixture',
          label:
            "the server tests' SDK 2 peer fixture (test/fixtures/modern-peer.mjs, 2026-07-28 only) whoami",
          era: '2026-07-28',
          peer: stdioPeer(MODERN_FIXTURE, []),
          transport: 'stdio',
          tool: 'whoami',
          params: { note: 'bench' },
        } satisfies PeerCase,
      ]
    : []),
];

/** The command line that starts a stdio peer. */
function peerCommand(peer: PeerCase): string[] {
  return [peer.peer.command, ...peer.peer.args];
}

/** A direct client to the peer (its own child process), and how x-server's config reaches it. */
async function startPeer(peer: PeerCase): Promise<{ client: Client; config: object }> {
  if (peer.transport === 'stdio') {
    const direct = await stdioClient(peer.era, peer.peer, 'bench-direct');
    closers.push(() => direct.close());
    return { client: direct.client, config: { ...peer.peer, cache: false } };
  }
  const server = await spawnHttpServer(peer.peer.command, peer.peer.args);
  closers.push(() => server.close());
  const client = await httpClient(peer.era, server.url, 'bench-direct');
  closers.push(() => client.close());
  return { client, config: { url: server.url, cache: false } };
}

/**
 * For each peer: x-server's CLI in a child process (reached over stdio by a 2025-11-25 client
 * here) fronting the peer in its own child, against a client here calling the same peer directly
 * (a child of its own, in the peer's era). Every peer must be reached: one x-server cannot reach
 * fails the suite (and CI's quick run).
 */
async function crossProcessPeerCalls(dir: string): Promise<Workload[]> {
  const workloads: Workload[] = [];
  for (const peer of PEER_CASES) {
    const name = `peer call, uncached, separate processes (client → x-server → peer): ${peer.label} over ${peer.transport}`;
    const direct = await startPeer(peer);
    const config = join(dir, `x-server-${peer.category}.json`);
    await writeFile(
      config,
      JSON.stringify({
        builtins: [],
        cache: { dir: join(dir, 'cache') },
        telemetry: { dir: join(dir, 'telemetry') },
        shutdownGraceMs: 2_000,
        // `both`: the same x-server serves the peer's tools by dispatch and by their own names.
        peers: { [peer.category]: { ...direct.config, expose: 'both' } },
      }),
    );
    const call = { category: peer.category, tool: peer.tool, params: peer.params };
    const xServer = async (era: Era) => {
      const gateway = await stdioClient(era, {
        command: process.execPath,
        args: [X_SERVER_CLI, '--stdio', '--config', config],
        cwd: dir,
      });
      closers.push(() => gateway.close());
      return gateway;
    };
    {
      const gateway = await xServer('2025-11-25');
      const probe = await gateway.client.callTool({ name: 'dispatch', arguments: call });
      if (probe.isError) throw new Error(JSON.stringify(probe.content));
      workloads.push({
        name,
        ours: GATEWAY,
        latency: true,
        goal: HOP_GOAL,
        contenders: [
          {
            name: GATEWAY,
            run: async () => {
              const answer = await gateway.client.callTool({ name: 'dispatch', arguments: call });
              if (answer.isError)
                throw new Error(`dispatch failed: ${JSON.stringify(answer.content)}`);
            },
          },
          {
            name: DIRECT,
            run: () => direct.client.callTool({ name: peer.tool, arguments: peer.params }),
          },
        ],
      });
    }
    {
      // The peer's tool by its own prefixed name in x-server's tools/list, the client in the
      // peer's era: the same call through the dispatcher, answered with the peer's content.
      const gateway = await xServer(peer.era);
      const name = `${peer.category}__${peer.tool}`;
      // Over stdio, the same call through the least an extra process can do (_relay.mjs).
      const relay =
        peer.transport === 'stdio'
          ? await stdioClient(peer.era, {
              command: process.execPath,
              args: [RELAY_SCRIPT, '--prefix', `${peer.category}__`, '--', ...peerCommand(peer)],
            })
          : undefined;
      if (relay) closers.push(() => relay.close());
      const listed = await gateway.client.listTools();
      if (!listed.tools.some((tool) => tool.name === name)) {
        throw new Error(`x-server does not list ${name}: ${listed.tools.map((t) => t.name)}`);
      }
      workloads.push({
        name: `direct-exposed tool call (expose: both), uncached, separate processes (client → x-server → peer): ${peer.label} over ${peer.transport}, client in ${peer.era}`,
        ours: DIRECT_EXPOSED,
        latency: true,
        goal: HOP_GOAL,
        contenders: [
          {
            name: DIRECT_EXPOSED,
            run: async () => {
              const answer = await gateway.client.callTool({ name, arguments: peer.params });
              if (answer.isError)
                throw new Error(`${name} failed: ${JSON.stringify(answer.content)}`);
            },
          },
          {
            // The same call by `dispatch` on the same x-server, interleaved: what the direct
            // name costs or saves against the meta-tool path.
            name: GATEWAY,
            run: async () => {
              const answer = await gateway.client.callTool({ name: 'dispatch', arguments: call });
              if (answer.isError)
                throw new Error(`dispatch failed: ${JSON.stringify(answer.content)}`);
            },
          },
          ...(relay
            ? [
                {
                  name: RELAY,
                  run: () => relay.client.callTool({ name, arguments: peer.params }),
                },
              ]
            : []),
          {
            name: DIRECT,
            run: () => direct.client.callTool({ name: peer.tool, arguments: peer.params }),
          },
        ],
      });
    }
  }
  return workloads;
}

export default defineSuite({
  package: 'gateway',
  description:
    "x-server as a gateway in front of real MCP servers (@modelcontextprotocol/server-everything and server-memory from npm, and a bare MCP SDK 2 server serving only 2026-07-28), against the SDK 2 Client calling the same peer directly on a reused connection. Separate processes: the client here, x-server's CLI in a child, the peer in its own child; over stdio the direct-exposed call also goes through a line relay (_relay.mjs: parse, re-id, rename, serialize), the floor any extra process hop pays on this machine. The goal of the hop is the one the hot-path issue sets: at most 1.6× the direct call. In-process: x-server runs in this process with its embedded defaults and is reached over an in-memory transport (the fan-out check: over Streamable HTTP), so the figures are its own overhead.",
  workloads: async ({ quick }) => {
    try {
      return await gatewayWorkloads(quick);
    } catch (error) {
      // The harness calls teardown only once the workloads exist: end what was started here.
      await closers.closeAll();
      throw error;
    }
  },
  teardown: () => closers.closeAll(),
});

async function gatewayWorkloads(quick: boolean): Promise<Workload[]> {
  const dir = await mkdtemp(join(tmpdir(), 'x-gateway-bench-'));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  const separate = await crossProcessPeerCalls(dir);

  const app = await gatewayApp(dir, {
    builtins: ['demo'],
    peers: {
      everything: { ...stdioPeer(EVERYTHING, ['stdio']), cache: false },
      'everything-cached': stdioPeer(EVERYTHING, ['stdio']),
    },
  });
  closers.push(() => app.close());
  const gateway = await inMemoryClient(app);
  closers.push(() => gateway.close());
  const direct = await directClient(EVERYTHING, ['stdio']);
  closers.push(() => direct.close());

  const echo = { message: 'hello' };
  const viaGateway = (category: string) => async () => {
    const answer = await gateway.callTool({
      name: 'dispatch',
      arguments: { category, tool: 'echo', params: echo },
    });
    if (answer.isError) throw new Error(`dispatch failed: ${JSON.stringify(answer.content)}`);
  };
  const directCall = {
    name: DIRECT,
    run: () => direct.callTool({ name: 'echo', arguments: echo }),
  };

  const sleepMs = quick ? 2 : 20;
  const chains = 4;
  const chainLength = 5;
  const steps = Array.from({ length: chains * chainLength }, (_, i) => {
    const chain = Math.floor(i / chainLength);
    const link = i % chainLength;
    return {
      id: `c${chain}s${link}`,
      category: 'demo',
      tool: 'sleep',
      params: { ms: sleepMs },
      needs: link === 0 ? [] : [`c${chain}s${link - 1}`],
    };
  });
  const fanOutCalls = quick ? 20 : 1_000;

  return [
    ...separate,
    {
      name: 'peer call, uncached, in-process gateway: server-everything echo over stdio',
      ours: GATEWAY,
      latency: true,
      goal: 'at most 20% overhead (ratio >= 0.83×)',
      contenders: [{ name: GATEWAY, run: viaGateway('everything') }, directCall],
    },
    {
      name: 'peer call, cached (read-only + idempotent annotations), in-process gateway',
      ours: CACHED,
      latency: true,
      goal: 'at least 10× faster than the direct call',
      contenders: [{ name: CACHED, run: viaGateway('everything-cached') }, directCall],
    },
    {
      kind: 'metric',
      name: `workflow_run of 20 demo.sleep(${sleepMs}) steps in ${chains} chains of ${chainLength} (makespan, in-process)`,
      ours: 'x-server workflow_run',
      unit: 'ms',
      better: 'lower',
      goal: 'close to the critical path',
      measure: async () => {
        const started = performance.now();
        const answer = await gateway.callTool({ name: 'workflow_run', arguments: { steps } });
        const elapsed = performance.now() - started;
        if (answer.isError) throw new Error(`workflow failed: ${JSON.stringify(answer.content)}`);
        return {
          'x-server workflow_run': elapsed,
          'critical path (5 sleeps)': chainLength * sleepMs,
        };
      },
    },
    {
      kind: 'metric',
      name: `${fanOutCalls} concurrent dispatches across two stdio peers (p99 latency, in-memory front)`,
      ours: GATEWAY,
      unit: 'ms',
      better: 'lower',
      measure: async () => ({
        [GATEWAY]: (await gatewayFanOut(dir, fanOutCalls, 'memory')).p99Ms,
        [DIRECT]: await directFanOut(dir, fanOutCalls),
      }),
    },
    {
      kind: 'metric',
      name: `left behind after ${fanOutCalls} concurrent dispatches over a Streamable HTTP session, and shutdown`,
      ours: 'MaxListenersExceeded warnings',
      unit: 'count',
      better: 'lower',
      goal: 'zero of each',
      measure: async () => {
        const figures = await gatewayFanOut(dir, fanOutCalls, 'http');
        return {
          'MaxListenersExceeded warnings': figures.warnings,
          'HTTP sessions open': figures.sessionsLeft,
          'peer processes alive': figures.processesLeft,
        };
      },
    },
  ];
}

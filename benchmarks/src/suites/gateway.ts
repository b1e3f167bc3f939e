import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  parseConfig,
  XServer,
  type XServerConfigInput,
} from '@x/server';
import { defineSuite } from '../types.js';

// The reference MCP servers are dev dependencies of @x/server; run their bins with this Node.
const serverModules = join(
  dirname(fileURLToPath(import.meta.resolve('@x/server'))),
  '..',
  'node_modules',
  '@modelcontextprotocol',
);
const EVERYTHING = join(serverModules, 'server-everything', 'dist', 'index.js');
const MEMORY = join(serverModules, 'server-memory', 'dist', 'index.js');

const GATEWAY = 'x-server gateway';
const CACHED = 'x-server gateway (cached)';
const DIRECT = 'SDK Client direct';

const closers: (() => Promise<unknown>)[] = [];

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
  await app.createMcpServer().connect(serverSide);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

function p99(latencies: number[]): number {
  latencies.sort((a, b) => a - b);
  return latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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

export default defineSuite({
  package: 'gateway',
  description:
    'x-server as a gateway in front of real MCP servers from npm (@modelcontextprotocol/server-everything and server-memory over stdio), against the SDK Client calling the same peer directly on a reused connection. The gateway runs in-process with its embedded defaults and is reached over an in-memory transport (the fan-out: over Streamable HTTP), so the figures are its own overhead.',
  workloads: async ({ quick }) => {
    const dir = await mkdtemp(join(tmpdir(), 'x-gateway-bench-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));

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
      {
        name: 'peer call, uncached: server-everything echo over stdio',
        ours: GATEWAY,
        latency: true,
        goal: 'at most 20% overhead (ratio >= 0.83×)',
        contenders: [{ name: GATEWAY, run: viaGateway('everything') }, directCall],
      },
      {
        name: 'peer call, cached (read-only + idempotent annotations)',
        ours: CACHED,
        latency: true,
        goal: 'at least 10× faster than the direct call',
        contenders: [{ name: CACHED, run: viaGateway('everything-cached') }, directCall],
      },
      {
        kind: 'metric',
        name: `workflow_run of 20 demo.sleep(${sleepMs}) steps in ${chains} chains of ${chainLength} (makespan)`,
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
  },
  teardown: async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  },
});

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { type CategorySpec, defineCategory, defineTool, parseConfig, XServer } from '@x/server';
import { z } from 'zod';
import { defineSuite } from '../types.js';

const OURS = 'x-server dispatch';
const CACHED = 'x-server dispatch (cached)';
const BARE = 'bare McpServer';

// x-server's uncached trivial tool is demo.flaky with failureRate 0 (one Math.random()); its
// cached one is demo.echo. The bare server's tool echoes its argument: the same trivial work.
const uncachedCall = { category: 'demo', tool: 'flaky', params: { failureRate: 0 } };
const cachedCall = { category: 'demo', tool: 'echo', params: { value: 42 } };

const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const xServerCli = join(dirname(fileURLToPath(import.meta.resolve('@x/server'))), 'cli.js');

const closers: (() => Promise<unknown>)[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function bareServer(extraTools = 0): McpServer {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echo a value', inputSchema: { value: z.unknown() } },
    ({ value }) => ({ content: [{ type: 'text', text: JSON.stringify({ value }) }] }),
  );
  server.registerTool(
    'sleep',
    { description: 'Sleep ms', inputSchema: { ms: z.number() } },
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
        inputSchema: { text: z.string(), count: z.number().int().optional() },
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

async function xServer(dir: string, categories: CategorySpec[] = []): Promise<XServer> {
  const config = parseConfig({
    http: { port: 0, maxSessions: 10_000 },
    fs: { root: dir },
    cache: { dir: join(dir, 'cache') },
    telemetry: { dir: join(dir, 'telemetry') },
  });
  const app = await XServer.create({ config, categories });
  closers.push(() => app.close());
  return app;
}

async function inMemoryClient(server: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientSide);
  closers.push(() => client.close());
  return client;
}

/** A bare SDK server over Streamable HTTP with sessions: the minimum a user would write. */
async function bareHttp(): Promise<{ url: string; server: Server }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const id = req.headers['mcp-session-id'] as string | undefined;
    let transport = id ? sessions.get(id) : undefined;
    if (!transport && isInitializeRequest(body)) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (newId) => void sessions.set(newId, created),
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      await bareServer().connect(created);
      transport = created;
    }
    if (!transport) {
      res.writeHead(400).end();
      return;
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const transport of sessions.values()) await transport.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

async function oursHttp(dir: string): Promise<string> {
  const app = await xServer(dir);
  const { url } = await app.serveHttp();
  return url;
}

async function httpClient(url: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  closers.push(() => client.close());
  return client;
}

const BARE_STDIO = `
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
const server = new McpServer({ name: 'bare', version: '1.0.0' });
server.registerTool('echo', { description: 'Echo a value', inputSchema: { value: z.unknown() } },
  ({ value }) => ({ content: [{ type: 'text', text: JSON.stringify({ value }) }] }));
await server.connect(new StdioServerTransport());
`;

async function stdioClient(kind: 'bare' | 'ours', cwd: string): Promise<Client> {
  const transport =
    kind === 'bare'
      ? new StdioClientTransport({
          command: process.execPath,
          args: ['--input-type=module', '-e', BARE_STDIO],
          cwd: benchRoot,
          stderr: 'ignore',
        })
      : new StdioClientTransport({
          command: process.execPath,
          args: [xServerCli, '--stdio'],
          cwd,
          stderr: 'ignore',
        });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  closers.push(() => client.close());
  return client;
}

// Each contender has its own client: the SDK's HTTP client adds an abort listener per request to
// one long-lived signal (freed only by GC), so a shared client would slow whoever runs later.
function roundTrip(bare: Client, ours: Client, oursCached: Client) {
  return [
    { name: BARE, run: () => bare.callTool({ name: 'echo', arguments: { value: 42 } }) },
    { name: OURS, run: () => ours.callTool({ name: 'dispatch', arguments: uncachedCall }) },
    { name: CACHED, run: () => oursCached.callTool({ name: 'dispatch', arguments: cachedCall }) },
  ];
}

// A garbage collector we can call, for the memory figure of the load run. Collects twice around
// a turn of the event loop, so finalizers (undici frees request listeners in them) have run.
function collector(): () => Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  return async () => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  };
}

interface LoadFigures {
  callsPerSec: number;
  p99Ms: number;
  heapBytesPer1000Calls: number;
}

/**
 * A minimal Streamable HTTP client: one session, plain fetch, no abort signal. The load run uses it
 * instead of the SDK's Client, whose per-request abort listeners on one long-lived signal would
 * put the client's own memory growth into the figure.
 */
class RawSession {
  #id = '';
  #next = 1;
  constructor(readonly url: string) {}

  async #post(body: object): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    };
    if (this.#id) headers['mcp-session-id'] = this.#id;
    return fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  async open(): Promise<this> {
    const response = await this.#post({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'load', version: '1' },
      },
    });
    this.#id = response.headers.get('mcp-session-id') ?? '';
    await response.text();
    await (await this.#post({ jsonrpc: '2.0', method: 'notifications/initialized' })).text();
    return this;
  }

  async call(name: string, args: object): Promise<void> {
    const response = await this.#post({
      jsonrpc: '2.0',
      id: this.#next++,
      method: 'tools/call',
      params: { name, arguments: args },
    });
    const text = await response.text();
    if (!response.ok || !text.includes('"result"')) throw new Error(`call failed: ${text}`);
  }

  async close(): Promise<void> {
    const headers = { 'mcp-session-id': this.#id, 'mcp-protocol-version': '2025-06-18' };
    await (await fetch(this.url, { method: 'DELETE', headers })).text();
  }
}

/** `sessions` clients, each calling in a loop for `durationMs`; heap measured after GC. */
async function loadRun(
  url: string,
  call: (client: RawSession) => Promise<unknown>,
  sessions: number,
  durationMs: number,
) {
  const gc = collector();
  const clients = await Promise.all(
    Array.from({ length: sessions }, () => new RawSession(url).open()),
  );
  // Warm every session once so the first calls do not count connection set-up.
  await Promise.all(clients.map(call));
  await gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const latencies: number[] = [];
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await call(client);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  await gc();
  const heapAfter = process.memoryUsage().heapUsed;
  await Promise.all(clients.map((client) => client.close()));
  latencies.sort((a, b) => a - b);
  return {
    callsPerSec: (latencies.length / elapsedMs) * 1000,
    p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
    heapBytesPer1000Calls: ((heapAfter - heapBefore) / latencies.length) * 1000,
  } satisfies LoadFigures;
}

export default defineSuite({
  package: 'server',
  description:
    'x-server against a bare SDK McpServer serving the same trivial tool, client and server in one process (stdio: server in a child process). x-server runs with its embedded defaults: scheduler, breaker, memory + disk cache, JSONL telemetry.',
  workloads: async ({ quick }) => {
    const dir = await mkdtemp(join(tmpdir(), 'x-server-bench-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));

    const [bareStdio, oursStdio] = [await stdioClient('bare', dir), await stdioClient('ours', dir)];
    const oursHttpUrl = await oursHttp(dir);
    const [bareHttpClient, oursHttpClient, oursHttpCachedClient] = [
      await httpClient((await bareHttp()).url),
      await httpClient(oursHttpUrl),
      await httpClient(oursHttpUrl),
    ];
    const bigBare = await inMemoryClient(bareServer(1000));
    const bigOurs = await inMemoryClient((await xServer(dir, catalogue())).createMcpServer());
    // Loads cat7 and computes the schema once; every timed call is then a cache hit.
    await bigOurs.callTool({
      name: 'get_tool_schema',
      arguments: { category: 'cat7', tool: 'tool_3' },
    });
    const parallelOurs = await inMemoryClient((await xServer(dir)).createMcpServer());
    const parallelBare = await inMemoryClient(bareServer());

    const sleepMs = quick ? 5 : 50;
    const loadSessions = quick ? 4 : 100;
    // Full mode: 5 rounds x 2 contenders x 3 s = 30 s of load, the budget.
    const loadMs = quick ? 200 : 3_000;
    const loadRounds: Record<string, LoadFigures>[] = [];
    const loadBareUrl = (await bareHttp()).url;
    const loadOursUrl = await oursHttp(dir);
    let loadRead = 0;
    const loadFigure = (pick: (f: LoadFigures) => number) => () => {
      const round = loadRounds[loadRead++ % loadRounds.length]!;
      return { [OURS]: pick(round[OURS]!), [BARE]: pick(round[BARE]!) };
    };

    return [
      {
        name: 'call round trip over stdio',
        ours: OURS,
        latency: true,
        goal: 'uncached dispatch at most 20% slower than the bare call; cached dispatch faster',
        contenders: roundTrip(bareStdio, oursStdio, oursStdio),
      },
      {
        name: 'call round trip over Streamable HTTP (session)',
        ours: OURS,
        latency: true,
        goal: 'uncached dispatch at most 20% slower than the bare call; cached dispatch faster',
        contenders: roundTrip(bareHttpClient, oursHttpClient, oursHttpCachedClient),
      },
      {
        name: 'discovery with 1,000 tools in 50 lazy categories (in-memory transport)',
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
        name: 'cold start to the first answer (spawn, initialize, one list call)',
        ours: 'x-server',
        unit: 'ms',
        better: 'lower',
        goal: 'under 500 ms',
        measure: async () => {
          const time = async (kind: 'bare' | 'ours') => {
            const started = performance.now();
            const client = await stdioClient(kind, dir);
            if (kind === 'ours') await client.callTool({ name: 'list_categories', arguments: {} });
            else await client.listTools();
            const elapsed = performance.now() - started;
            await client.close();
            return elapsed;
          };
          return { 'x-server': await time('ours'), [BARE]: await time('bare') };
        },
      },
      {
        kind: 'metric',
        name: `10 parallel calls of a ${sleepMs} ms tool (makespan)`,
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
        name: `load: ${loadSessions} concurrent HTTP sessions, calls per second`,
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
        name: `load: ${loadSessions} concurrent HTTP sessions, p99 latency (same runs)`,
        ours: OURS,
        unit: 'ms',
        better: 'lower',
        measure: loadFigure((f) => f.p99Ms),
      },
      {
        kind: 'metric',
        name: `load: heap growth per 1,000 calls after GC (same runs)`,
        ours: OURS,
        unit: 'bytes',
        better: 'lower',
        goal: 'flat (near 0)',
        measure: loadFigure((f) => f.heapBytesPer1000Calls),
      },
    ];
  },
  teardown: async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  },
});

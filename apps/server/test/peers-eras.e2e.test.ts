import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  Client,
  ProtocolError,
  SdkError,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVERYTHING_BIN,
  type Gateway,
  isAlive,
  killProcessesWith,
  modernHttpPeer,
  processesWith,
  startGateway,
} from './gateway-helpers.js';
import { closeAfterTest, ok } from './helpers.js';

const MODERN_PEER = join(import.meta.dirname, 'fixtures', 'modern-peer.mjs');
const EXITS_ON_PROBE = join(import.meta.dirname, 'fixtures', 'exits-on-probe.mjs');

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`;

/**
 * A 2025-era peer on SDK 1.x over Streamable HTTP with sessions (as most deployed servers are):
 * a request without a session before `initialize` gets HTTP 400.
 */
async function legacyHttpPeer(): Promise<string> {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await import(
    '@modelcontextprotocol/sdk/server/streamableHttp.js'
  );
  const sessions = new Map<string, InstanceType<typeof StreamableHTTPServerTransport>>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport && body?.method === 'initialize') {
      const created: InstanceType<typeof StreamableHTTPServerTransport> =
        new StreamableHTTPServerTransport({
          sessionIdGenerator: () => crypto.randomUUID(),
          onsessioninitialized: (sessionId: string): void => {
            sessions.set(sessionId, created);
          },
        });
      const mcp = new McpServer({ name: 'legacy-peer', version: '1.0.0' });
      mcp.registerTool('hello', { description: 'Says hello' }, () => ({
        content: [{ type: 'text', text: 'hello' }],
      }));
      await mcp.connect(created);
      transport = created;
    }
    if (!transport) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
        }),
      );
      return;
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeAfterTest(async () => {
    for (const transport of sessions.values()) await transport.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const stdioPeer = (script: string) => ({ command: process.execPath, args: [script] });

/** What the modern peer's `whoami` saw, through dispatch (its structured content). */
interface Seen {
  traceparent: string | null;
  tracestate: string | null;
}

describe('peers of both protocol eras', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    const pids = gateway?.app.peers.processIds() ?? [];
    await gateway?.close();
    gateway = undefined;
    // Every peer process (and any probe) is gone once the server has closed.
    await expect.poll(() => pids.filter(isAlive), { timeout: 10_000 }).toEqual([]);
    for (const script of [MODERN_PEER, EXITS_ON_PROBE]) {
      await expect.poll(() => processesWith(script).length, { timeout: 10_000 }).toBe(0);
    }
    killProcessesWith(MODERN_PEER);
    killProcessesWith(EXITS_ON_PROBE);
  });

  it('the fixture serves 2026-07-28 only: a 2025 handshake is refused over HTTP and stdio', async () => {
    const url = await modernHttpPeer();
    const legacy = () => new Client({ name: 'legacy-client', version: '1.0.0' });
    const http = legacy();
    const stdio = legacy();
    closeAfterTest(() => http.close());
    closeAfterTest(() => stdio.close());

    const overHttp = http.connect(new StreamableHTTPClientTransport(new URL(url)));
    const overStdio = stdio.connect(new StdioClientTransport(stdioPeer(MODERN_PEER)));

    await expect(overHttp).rejects.toSatisfy((error) => error instanceof SdkError);
    await expect(overHttp).rejects.toThrow(/Unsupported protocol version: 2025-11-25/);
    await expect(overStdio).rejects.toSatisfy((error) => error instanceof ProtocolError);
    await expect(overStdio).rejects.toThrow(/Unsupported protocol version/);
  });

  it('reaches 2026-07-28-only peers over HTTP and stdio beside a 2025-era one, and server_stats shows each era', async () => {
    const url = await modernHttpPeer();
    gateway = await startGateway({
      builtins: [],
      peers: {
        modern_http: { url },
        modern_stdio: stdioPeer(MODERN_PEER),
        everything: { command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] },
      },
    });

    const listed: Record<string, string[]> = {};
    for (const category of ['modern_http', 'modern_stdio', 'everything']) {
      const { tools } = ok<{ tools: { name: string }[] }>(
        await gateway.call('list_tools', { category }),
      );
      listed[category] = tools.map((tool) => tool.name);
    }
    const answers = [];
    for (const category of ['modern_http', 'modern_stdio']) {
      const answer = await gateway.call('dispatch', {
        category,
        tool: 'whoami',
        params: { note: category },
      });
      ok(answer);
      answers.push(answer.structuredContent);
    }
    const echoed = await gateway.call('dispatch', {
      category: 'everything',
      tool: 'echo',
      params: { message: 'hi' },
    });
    const { stats } = ok<{ stats: { peers: { eras: Record<string, string> } } }>(
      await gateway.call('server_stats'),
    );

    expect(listed.modern_http).toEqual(['whoami', 'wait']);
    expect(listed.modern_stdio).toEqual(['whoami', 'wait']);
    expect(listed.everything).toContain('echo');
    expect(answers).toEqual([
      expect.objectContaining({ result: expect.objectContaining({ note: 'modern_http' }) }),
      expect.objectContaining({ result: expect.objectContaining({ note: 'modern_stdio' }) }),
    ]);
    ok(echoed);
    expect(stats.peers.eras).toEqual({
      modern_http: '2026-07-28',
      modern_stdio: '2026-07-28',
      everything: '2025-11-25',
    });
    // The stdio probe runs in place: one process for the modern stdio peer, no sibling left.
    expect(processesWith(MODERN_PEER)).toHaveLength(1);
    // The peer's instructions (from server/discover) join its category's description.
    const { categories } = ok<{ categories: { name: string; description: string }[] }>(
      await gateway.call('list_categories'),
    );
    expect(categories.find((c) => c.name === 'modern_stdio')?.description).toContain(
      'Answers with the trace context of each call.',
    );
  });

  it("sends the call's trace context to the peer: the client's trace id, the call's span as parent", async () => {
    const url = await modernHttpPeer();
    gateway = await startGateway({
      builtins: [],
      peers: { modern_http: { url }, modern_stdio: stdioPeer(MODERN_PEER) },
    });

    const seen: Record<string, Seen> = {};
    for (const category of ['modern_http', 'modern_stdio']) {
      const answer = await gateway.client.callTool({
        name: 'dispatch',
        arguments: { category, tool: 'whoami' },
        _meta: { traceparent: TRACEPARENT, tracestate: 'vendor=1' },
      });
      ok(answer);
      seen[category] = (answer.structuredContent as { result: Seen }).result;
    }
    const dir = gateway.dir;
    await gateway.close();
    gateway = undefined;
    const spans = (await readFile(join(dir, 'telemetry', 'spans.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; traceId?: string; spanId?: string });

    for (const category of ['modern_http', 'modern_stdio']) {
      const span = spans.find((s) => s.name === `${category}.whoami`);
      expect(span).toMatchObject({ traceId: TRACE_ID, parentSpanId: CLIENT_SPAN_ID });
      expect(seen[category]).toEqual(
        expect.objectContaining({
          traceparent: `00-${TRACE_ID}-${span?.spanId}-01`,
          tracestate: 'vendor=1',
        }),
      );
    }
  });

  it('reaches a 2025-era stdio peer that exits on the version probe: started once more, greeted with initialize, nothing left behind', async () => {
    gateway = await startGateway({ builtins: [], peers: { old: stdioPeer(EXITS_ON_PROBE) } });

    const answer = await gateway.client.callTool({
      name: 'dispatch',
      arguments: { category: 'old', tool: 'echo', params: { value: 1 } },
      _meta: { traceparent: TRACEPARENT },
    });
    const { stats } = ok<{ stats: { peers: { eras: Record<string, string> } } }>(
      await gateway.call('server_stats'),
    );

    ok(answer);
    const [block] = answer.content as { type: 'text'; text: string }[];
    const told = JSON.parse(block!.text) as { arguments: unknown; _meta: { traceparent: string } };
    expect(told.arguments).toEqual({ value: 1 });
    // A 2025-era peer gets the trace context in _meta as well.
    expect(told._meta.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(stats.peers.eras).toEqual({ old: '2025-06-18' });
    expect(processesWith(EXITS_ON_PROBE)).toHaveLength(1);
  });

  it('reaches a 2025-era stdio peer that never answers the probe: initialize follows after half of connectTimeoutMs', async () => {
    gateway = await startGateway({
      builtins: [],
      gateway: { connectTimeoutMs: 1_000 },
      peers: { silent: { ...stdioPeer(EXITS_ON_PROBE), env: { PEER_SILENT: '1' } } },
    });

    const { tools } = ok<{ tools: { name: string }[] }>(
      await gateway.call('list_tools', { category: 'silent' }),
    );
    const { stats } = ok<{ stats: { peers: { eras: Record<string, string> } } }>(
      await gateway.call('server_stats'),
    );

    expect(tools.map((tool) => tool.name)).toEqual(['echo']);
    expect(stats.peers.eras).toEqual({ silent: '2025-06-18' });
    expect(processesWith(EXITS_ON_PROBE)).toHaveLength(1);
  });

  it("relays a 2026-07-28 HTTP peer's progress and cancels its call when the caller cancels", async () => {
    let cancelled = 0;
    const url = await modernHttpPeer({ cancelled: () => cancelled++ });
    gateway = await startGateway({ builtins: [], peers: { modern_http: { url } } });
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const controller = new AbortController();

    const pending = gateway.client.callTool(
      { name: 'dispatch', arguments: { category: 'modern_http', tool: 'wait' } },
      { signal: controller.signal, onprogress: (p) => progress.push(p) },
    );
    await expect.poll(() => progress.length, { timeout: 10_000 }).toBe(1);
    controller.abort('user gave up');

    await expect(pending).rejects.toThrow(/user gave up/);
    await expect.poll(() => cancelled, { timeout: 10_000 }).toBe(1);
    expect(progress).toEqual([{ progress: 1, total: 2, message: 'waiting' }]);
    expect(gateway.guard.stats().failures).toBe(0);
  });

  it('reaches a 2025-era HTTP peer on SDK 1.x with sessions (the probe gets HTTP 400)', async () => {
    gateway = await startGateway({
      builtins: [],
      peers: { legacy: { url: await legacyHttpPeer() } },
    });

    const answer = await gateway.call('dispatch', { category: 'legacy', tool: 'hello' });
    const { stats } = ok<{ stats: { peers: { eras: Record<string, string> } } }>(
      await gateway.call('server_stats'),
    );

    ok(answer);
    expect(answer.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(stats.peers.eras).toEqual({ legacy: '2025-11-25' });
  });
});

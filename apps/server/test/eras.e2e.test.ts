import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  Client as Client2,
  StreamableHTTPClientTransport as Http2,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { StdioClientTransport as Stdio2 } from '@modelcontextprotocol/client/stdio';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as Stdio1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as Http1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  closeAfterTest,
  type HttpHarness,
  MODERN,
  NODE_ARGS,
  ok,
  startHttp,
  workdir,
} from './helpers.js';

// The protocol-era matrix: an SDK 1.x client (2025 handshake), an SDK 2.x client negotiating
// (`auto`) and an SDK 2.x client pinned to 2026-07-28, each over stdio (the CLI as a child
// process) and Streamable HTTP, all served by the same x-server.

const PLUGIN = join(import.meta.dirname, 'eras-plugin.mjs');
const plugins = [{ name: 'eras', module: PLUGIN, description: 'Era matrix tools' }];

type Kind = 'sdk1' | 'auto' | 'modern';
interface CallOptions {
  onprogress?: (progress: { progress: number }) => void;
  signal?: AbortSignal;
}
interface EraClient {
  call(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<unknown>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  /** The protocol revision the 2.x client negotiated (the 1.x client has no such notion). */
  protocol(): string | undefined;
}

const modes: Record<Exclude<Kind, 'sdk1'>, VersionNegotiationMode> = {
  auto: 'auto',
  modern: MODERN,
};

async function connect(
  kind: Kind,
  transport: 'stdio' | 'http',
  target: { url?: string; cwd?: string; config?: string },
): Promise<EraClient> {
  if (kind === 'sdk1') {
    const client = new Client1({ name: 'eras-sdk1', version: '1.0.0' });
    closeAfterTest(() => client.close());
    await client.connect(
      transport === 'http'
        ? new Http1(new URL(target.url!))
        : new Stdio1({
            command: process.execPath,
            args: [...NODE_ARGS, '--config', target.config!],
            cwd: target.cwd!,
            stderr: 'pipe',
          }),
    );
    return {
      call: (name, args, options) => client.callTool({ name, arguments: args }, undefined, options),
      listTools: () => client.listTools(),
      protocol: () => undefined,
    };
  }
  const client = new Client2(
    { name: `eras-${kind}`, version: '1.0.0' },
    { versionNegotiation: { mode: modes[kind] } },
  );
  closeAfterTest(() => client.close());
  await client.connect(
    transport === 'http'
      ? new Http2(new URL(target.url!))
      : new Stdio2({
          command: process.execPath,
          args: [...NODE_ARGS, '--config', target.config!],
          cwd: target.cwd!,
          stderr: 'pipe',
        }),
  );
  return {
    call: (name, args, options) => client.callTool({ name, arguments: args }, options),
    listTools: () => client.listTools(),
    protocol: () => client.getNegotiatedProtocolVersion(),
  };
}

const dispatch = (client: EraClient, args: Record<string, unknown>, options?: CallOptions) =>
  client.call('dispatch', args, options);

describe.each([
  ['stdio', 'sdk1'],
  ['stdio', 'auto'],
  ['stdio', 'modern'],
  ['http', 'sdk1'],
  ['http', 'auto'],
  ['http', 'modern'],
] as const)('over %s, a %s client', (transport, kind) => {
  let server: HttpHarness | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function open(): Promise<EraClient> {
    if (transport === 'http') {
      server = await startHttp({ plugins });
      return connect(kind, 'http', { url: server.url });
    }
    const cwd = await workdir();
    const config = join(cwd, 'x-server.json');
    await writeFile(
      config,
      JSON.stringify({
        plugins,
        cache: { disk: false },
        telemetry: { dir: join(cwd, 'telemetry') },
      }),
    );
    return connect(kind, 'stdio', { cwd, config });
  }

  it('connects in its era, lists the meta-tools and calls: progress, cache, idempotency, cancellation', async () => {
    const client = await open();

    // The era: a 2.x client, negotiating or pinned, gets 2026-07-28 from x-server.
    if (kind !== 'sdk1') expect(client.protocol()).toBe('2026-07-28');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['list_categories', 'dispatch', 'workflow_run', 'server_stats']),
    );

    // A dispatch with progress (answering once the test saw it: see eras-plugin.mjs).
    const progress: number[] = [];
    const counting = dispatch(
      client,
      { category: 'eras', tool: 'count', params: { n: 3, wait: true } },
      { onprogress: (event) => progress.push(event.progress) },
    );
    await expect.poll(() => progress).toEqual([1, 2, 3]);
    ok(await dispatch(client, { category: 'eras', tool: 'release' }));
    expect(ok(await counting)).toMatchObject({ result: { n: 3 }, cached: false });

    // A cached dispatch (demo.echo is read-only and idempotent).
    const echo = { category: 'demo', tool: 'echo', params: { value: kind } };
    expect(ok(await dispatch(client, echo))).toMatchObject({ cached: false });
    expect(ok(await dispatch(client, echo))).toMatchObject({
      result: { value: kind },
      cached: true,
    });

    // An idempotency replay.
    const keyed = {
      category: 'eras',
      tool: 'count',
      params: { n: 1 },
      idempotencyKey: `k-${kind}`,
    };
    expect(ok(await dispatch(client, keyed))).toMatchObject({ replayed: false });
    expect(ok(await dispatch(client, keyed))).toMatchObject({ result: { n: 1 }, replayed: true });

    // Cancellation: the call is aborted once it runs (its first progress report says so).
    const controller = new AbortController();
    const held = dispatch(
      client,
      { category: 'eras', tool: 'hold' },
      { signal: controller.signal, onprogress: () => controller.abort('enough') },
    );
    await expect(held).rejects.toThrow();
    await expect
      .poll(async () => {
        const { stats } = ok<{ stats: { dispatcher: { inFlight: number; failed: number } } }>(
          await client.call('server_stats', {}),
        );
        return stats.dispatcher;
      })
      .toMatchObject({ inFlight: 0, failed: 1 });

    if (server) {
      // Over HTTP, a 2026-07-28 client holds no session; the 2025 handshake opens one.
      const stats = server.http.stats();
      expect(stats.sessions).toBe(kind === 'sdk1' ? 1 : 0);
      expect(stats.eras.modern > 0).toBe(kind !== 'sdk1');
    }
  });

  it('answers an argument mistake as an [INVALID_PARAMS] tool error', async () => {
    const client = await open();

    const answer = (await dispatch(client, { category: 'demo', params: 'value=1' })) as {
      isError?: boolean;
      content: { text: string }[];
    };

    expect(answer.isError).toBe(true);
    expect(answer.content[0]!.text).toMatch(/^\[INVALID_PARAMS\] Invalid arguments for dispatch: /);
    expect(answer.content[0]!.text).toMatch(/tool: /);
    expect(answer.content[0]!.text).toMatch(/params: /);
  });
});

/** Every request and response of a 2.x client over HTTP, for the wire-level assertions. */
function recordingFetch() {
  const exchanges: { body: unknown; status: number; headers: Headers }[] = [];
  const fetcher = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    exchanges.push({ body, status: response.status, headers: response.headers });
    return response;
  };
  return { exchanges, fetch: fetcher };
}

async function modernClient(url: string, headers: Record<string, string> = {}) {
  const recorder = recordingFetch();
  const client = new Client2(
    { name: 'eras-modern', version: '1.0.0' },
    { versionNegotiation: { mode: MODERN } },
  );
  closeAfterTest(() => client.close());
  await client.connect(
    new Http2(new URL(url), {
      fetch: recorder.fetch,
      requestInit: { headers: new Headers(headers) },
    }),
  );
  return { client, exchanges: recorder.exchanges };
}

/** A raw POST through node:http, which sends the Host header it is given. */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const jsonHeaders = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};
const legacyInitialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

describe('both eras on one /mcp endpoint', () => {
  let server: HttpHarness | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await server?.close();
    server = undefined;
  });

  it('answers server/discover and tools/list with caching hints, and no session on any answer', async () => {
    server = await startHttp();
    const { client, exchanges } = await modernClient(server.url);

    const discover = await client.discover();
    await client.listTools({}, { cacheMode: 'no-store' } as never);
    await client.callTool({ name: 'list_categories', arguments: {} });

    expect(discover.supportedVersions).toContain('2026-07-28');
    expect(discover.capabilities.tools).toMatchObject({ listChanged: true });
    expect(exchanges.length).toBeGreaterThan(0);
    expect(exchanges.every((exchange) => !exchange.headers.has('mcp-session-id'))).toBe(true);
    expect(server.http.stats().sessions).toBe(0);
  });

  it('marks tools/list and server/discover as public and long-lived (2026-07-28 caching hints)', async () => {
    server = await startHttp();
    const { exchanges } = await modernClient(server.url);
    const envelope = (exchanges[0]!.body as { params: { _meta: Record<string, unknown> } }).params
      ._meta;

    const listed = await post(
      server.url,
      JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: { _meta: envelope } }),
      { ...jsonHeaders, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
    );

    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.text).result).toMatchObject({
      ttlMs: 3_600_000,
      cacheScope: 'public',
    });
  });

  it('answers a request naming an unsupported protocol version with the typed error, and keeps serving', async () => {
    server = await startHttp();
    const { client, exchanges } = await modernClient(server.url);
    const first = exchanges[0]!.body as { params: { _meta: Record<string, unknown> } };
    const meta = { ...first.params._meta, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' };

    const refused = await post(
      server.url,
      JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: { _meta: meta } }),
      { ...jsonHeaders, 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' },
    );

    const error = JSON.parse(refused.text).error;
    expect(error.code).toBe(-32022);
    expect(JSON.stringify(error.data)).toContain('2026-07-28');
    expect((await client.listTools()).tools.length).toBe(10);
  });

  it('refuses a foreign Host or Origin, a missing token and an oversized body in both eras', async () => {
    const token = 'eras-token-0123456789abcdef';
    server = await startHttp({ http: { token, maxBodyBytes: 20_000 } });
    const { exchanges } = await modernClient(server.url, { authorization: `Bearer ${token}` });
    const probe = exchanges[0]!.body as { method: string };
    const modernBody = JSON.stringify(probe);
    const modernHeaders = {
      ...jsonHeaders,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': probe.method,
    };
    const auth = { authorization: `Bearer ${token}` };

    for (const [body, headers] of [
      [modernBody, modernHeaders],
      [JSON.stringify(legacyInitialize), jsonHeaders],
    ] as const) {
      expect(
        (await post(server.url, body, { ...headers, ...auth, host: 'evil.example' })).status,
      ).toBe(403);
      expect(
        (await post(server.url, body, { ...headers, ...auth, origin: 'https://evil.example' }))
          .status,
      ).toBe(403);
      expect((await post(server.url, body, headers)).status).toBe(401);
      const padded = `${body.slice(0, -1)},"padding":"${'x'.repeat(30_000)}"}`;
      expect((await post(server.url, padded, { ...headers, ...auth })).status).toBe(413);
      expect((await post(server.url, body, { ...headers, ...auth })).status).toBe(200);
    }
  });

  it('limits and expires 2025 sessions, while 2026-07-28 requests need none', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    server = await startHttp({ http: { maxSessions: 1, sessionIdleMs: 60_000 } });
    const legacy = new Client1({ name: 'eras-sdk1', version: '1.0.0' });
    closeAfterTest(() => legacy.close());
    await legacy.connect(new Http1(new URL(server.url)));

    const second = await post(server.url, JSON.stringify(legacyInitialize), jsonHeaders);
    const { client } = await modernClient(server.url);
    expect(second.status).toBe(503);
    expect((await client.listTools()).tools.length).toBe(10);
    expect(server.http.stats().sessions).toBe(1);

    await vi.advanceTimersByTimeAsync(121_000);

    expect(server.http.stats().sessions).toBe(0);
    const again = await post(server.url, JSON.stringify(legacyInitialize), jsonHeaders);
    expect(again.status).toBe(200);
  });

  it("opens a 2026-07-28 client's subscriptions/listen stream on the server's shared event bus", async () => {
    server = await startHttp();
    const { client } = await modernClient(server.url);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed++;
    });

    const subscription = await client.listen({ toolsListChanged: true });
    // What x-server publishes when its own tools/list answer changes (see XServer.events).
    server.app.events.publish({ kind: 'tools_list_changed' });

    expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });
    await expect.poll(() => changed).toBe(1);
    await subscription.close();
  });

  it("makes a 2.x client's traceparent the trace of the call's spans in the JSONL file: dispatch, dispatch_parallel, workflow_run", async () => {
    server = await startHttp();
    const { client } = await modernClient(server.url);
    const parent = '00f067aa0ba902b7';
    const traceIds = {
      dispatch: '4bf92f3577b34da6a3ce929d0e0e4736',
      parallel: '5bf92f3577b34da6a3ce929d0e0e4737',
      workflow: '6bf92f3577b34da6a3ce929d0e0e4738',
    };
    const traced = (traceId: string) => ({ _meta: { traceparent: `00-${traceId}-${parent}-01` } });

    await client.callTool({
      name: 'dispatch',
      arguments: { category: 'demo', tool: 'echo', params: { value: 'one' } },
      ...traced(traceIds.dispatch),
    });
    await client.callTool({
      name: 'dispatch_parallel',
      arguments: {
        calls: [
          { category: 'demo', tool: 'echo', params: { value: 'two' } },
          { category: 'text', tool: 'hash', params: { text: 'two' } },
        ],
      },
      ...traced(traceIds.parallel),
    });
    await client.callTool({
      name: 'workflow_run',
      arguments: { steps: [{ id: 's', category: 'time', tool: 'now' }] },
      ...traced(traceIds.workflow),
    });
    await client.close();
    const { dir } = server;
    await server.close();
    server = undefined;

    const spans = (await readFile(join(dir, 'telemetry', 'spans.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; traceId?: string; parentSpanId?: string });
    const traceOf = (traceId: string) =>
      spans
        .filter((span) => span.traceId === traceId)
        .map((span) => span.name)
        .sort();
    expect(traceOf(traceIds.dispatch)).toEqual(['demo.echo']);
    expect(traceOf(traceIds.parallel)).toEqual(['demo.echo', 'text.hash']);
    expect(traceOf(traceIds.workflow)).toEqual(['time.now']);
    expect(spans.every((span) => span.parentSpanId === parent)).toBe(true);
  });
});

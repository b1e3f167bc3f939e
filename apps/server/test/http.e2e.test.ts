import { readFile } from 'node:fs/promises';
import { type IncomingMessage, request } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { XServer } from '../src/server.js';
import { HttpTransport } from '../src/transport/index.js';
import { connectHttp, type HttpHarness, ok, startHttp, testConfig, workdir } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};
const mcpHeaders = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

describe('HTTP transport', () => {
  let server: HttpHarness | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers /health without a token', async () => {
    server = await startHttp({ http: { token: TOKEN } });

    const response = await fetch(`${server.base}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('answers 401 without the bearer token, and serves with it', async () => {
    server = await startHttp({ http: { token: TOKEN } });

    const refused = await fetch(server.url, {
      method: 'POST',
      headers: mcpHeaders,
      body: JSON.stringify(initialize),
    });
    const client = await connectHttp(server.url, { authorization: `Bearer ${TOKEN}` });
    const { tools } = await client.listTools();
    await client.close();

    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(tools.length).toBe(10);
  });

  it('answers 403 to a foreign Origin and to a foreign Host', async () => {
    server = await startHttp();

    const origin = await fetch(server.url, {
      method: 'POST',
      headers: { ...mcpHeaders, origin: 'https://evil.example' },
      body: JSON.stringify(initialize),
    });
    // fetch will not send a Host of our choosing; node:http will, as a rebinding attack would.
    const hostStatus = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        server!.url,
        { method: 'POST', headers: { ...mcpHeaders, host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(initialize));
    });

    expect(origin.status).toBe(403);
    expect(hostStatus).toBe(403);
  });

  it('answers 413 to a body over the limit', async () => {
    server = await startHttp({ http: { maxBodyBytes: 10_000 } });

    const response = await fetch(server.url, {
      method: 'POST',
      headers: mcpHeaders,
      body: JSON.stringify({ ...initialize, padding: 'x'.repeat(50_000) }),
    });

    expect(response.status).toBe(413);
  });

  it('answers malformed JSON-RPC with an error and keeps serving', async () => {
    server = await startHttp();

    const garbage = await fetch(server.url, {
      method: 'POST',
      headers: mcpHeaders,
      body: '{"jsonrpc": "2.0", oops',
    });
    const notRpc = await fetch(server.url, {
      method: 'POST',
      headers: mcpHeaders,
      body: JSON.stringify({ hello: 1 }),
    });
    const client = await connectHttp(server.url);
    const stats = ok<{ stats: object }>(
      await client.callTool({ name: 'server_stats', arguments: {} }),
    );
    await client.close();

    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    expect(notRpc.status).toBe(400);
    expect((await notRpc.json()) as object).toHaveProperty('error');
    expect(stats).toHaveProperty('stats');
  });

  it('exposes Prometheus metrics: calls, latency, cache hit ratio, breaker states, queue depth', async () => {
    server = await startHttp();
    const client = await connectHttp(server.url);
    await client.callTool({
      name: 'dispatch',
      arguments: { category: 'text', tool: 'hash', params: { text: 'm' } },
    });
    await client.close();

    const text = await (await fetch(`${server.base}/metrics`)).text();

    expect(text).toMatch(/x_server_calls_total\{category="text",tool="hash",outcome="ok"\} 1/);
    expect(text).toContain('x_server_call_duration_seconds_bucket');
    expect(text).toContain('x_server_cache_hit_ratio');
    expect(text).toContain('x_server_breaker_state{category="text"} 0');
    expect(text).toContain('x_server_queue_depth 0');
  });

  it('never opens more than maxSessions sessions, even for initialize requests sent at once', async () => {
    server = await startHttp({ http: { maxSessions: 2 } });
    // Connecting a session's server takes a moment here, so every request passes the admission
    // check before the first session is registered (as it would with a slower SDK or event store).
    const { app } = server;
    const createMcpServer = app.createMcpServer.bind(app);
    app.createMcpServer = () => {
      const mcp = createMcpServer();
      const connect = mcp.connect.bind(mcp);
      mcp.connect = async (transport) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return connect(transport);
      };
      return mcp;
    };
    const post = () =>
      fetch(server!.url, { method: 'POST', headers: mcpHeaders, body: JSON.stringify(initialize) });

    const responses = await Promise.all(Array.from({ length: 8 }, post));
    await Promise.all(responses.map((response) => response.body?.cancel()));
    const statuses = responses.map((response) => response.status).sort();

    expect(statuses).toEqual([200, 200, 503, 503, 503, 503, 503, 503]);
    expect(server.http.stats().sessions).toBe(2);
  });

  it('serves stateless mode: every request stands alone', async () => {
    server = await startHttp({ http: { stateless: true } });
    const client = await connectHttp(server.url);

    const done = ok<{ result: { value: string } }>(
      await client.callTool({
        name: 'dispatch',
        arguments: { category: 'demo', tool: 'echo', params: { value: 'hi' } },
      }),
    );
    await client.close();

    expect(done.result.value).toBe('hi');
    expect(server.http.stats().sessions).toBe(0);
  });

  it('refuses to bind a non-loopback address without a token', async () => {
    const config = await testConfig(await workdir(), { http: { host: '0.0.0.0' } });
    const app = await XServer.create({ config });

    expect(() => new HttpTransport(app, config.http)).toThrow(ConfigError);
    expect(() => new HttpTransport(app, config.http)).toThrow(/http\.token/);
    await app.close();
  });

  it('writes one telemetry span per call, flushed at shutdown', async () => {
    server = await startHttp();
    const client = await connectHttp(server.url);
    await client.callTool({
      name: 'dispatch',
      arguments: { category: 'demo', tool: 'echo', params: { value: 1 } },
    });
    await client.callTool({ name: 'dispatch', arguments: { category: 'demo', tool: 'nope' } });
    await client.close();
    const { dir } = server;

    await server.close();
    server = undefined;
    const lines = (await readFile(join(dir, 'telemetry', 'spans.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    const spans = lines.map((line) => JSON.parse(line));

    expect(spans).toHaveLength(2);
    expect(spans[0]).toMatchObject({
      name: 'demo.echo',
      ok: true,
      attributes: { category: 'demo', cached: false },
    });
    expect(spans[1]).toMatchObject({ name: 'demo.nope', ok: false, errorCode: 'UNKNOWN_TOOL' });
  });

  describe('writes of an answer', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    /** The writes the server's sockets made (not the client's: theirs come from other ports). */
    function serverWrites(port: number): { count(): number } {
      let count = 0;
      const proto = Socket.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
      for (const method of ['_write', '_writev']) {
        const original = proto[method]!;
        vi.spyOn(proto, method as never).mockImplementation(function (
          this: Socket,
          ...args: unknown[]
        ) {
          if (this.localPort === port) count++;
          return original.apply(this, args);
        } as never);
      }
      return { count: () => count };
    }

    /** A raw 2025-era session: initialize, initialized; then `post` sends a message on it. */
    async function rawSession(url: string) {
      const send = (body: object, session?: string) =>
        new Promise<{
          response: IncomingMessage;
          head: { writes: number };
          text: string;
          chunks: string[];
        }>((resolve, reject) => {
          const headers: Record<string, string> = { ...mcpHeaders };
          if (session) {
            headers['mcp-session-id'] = session;
            headers['mcp-protocol-version'] = '2025-06-18';
          }
          const req = request(url, { method: 'POST', headers }, (response) => {
            const head = { writes: writes?.count() ?? 0 };
            const chunks: string[] = [];
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              chunks.push(chunk);
            });
            response.on('end', () => resolve({ response, head, text: chunks.join(''), chunks }));
          });
          req.on('error', reject);
          req.end(JSON.stringify(body));
        });
      let writes: { count(): number } | undefined;
      const opened = await send(initialize);
      const session = opened.response.headers['mcp-session-id'] as string;
      await send({ jsonrpc: '2.0', method: 'notifications/initialized' }, session);
      return {
        watch: (counter: { count(): number }) => {
          writes = counter;
        },
        call: (id: number, params: object) =>
          send({ jsonrpc: '2.0', id, method: 'tools/call', params }, session),
      };
    }

    /** A server, a raw session on it, and a count of the server's writes from now on. */
    async function watchedSession() {
      server = await startHttp();
      const session = await rawSession(server.url);
      const writes = serverWrites(Number(new URL(server.url).port));
      session.watch(writes);
      return { session, writes };
    }

    it('sends an answer ready in the same turn in one write: head, event and end', async () => {
      const { session, writes } = await watchedSession();

      const answer = await session.call(2, {
        name: 'dispatch',
        arguments: { category: 'demo', tool: 'echo', params: { value: 'one write' } },
      });

      expect(answer.response.statusCode).toBe(200);
      expect(answer.text).toContain('one write');
      expect(writes.count()).toBe(1);
    });

    it('sends the head of a longer call at once, and its answer when it comes', async () => {
      const { session, writes } = await watchedSession();

      const answer = await session.call(2, {
        name: 'dispatch',
        arguments: { category: 'demo', tool: 'sleep', params: { ms: 200 } },
      });

      // The client had the response's head while the tool still ran (one write so far), and the
      // event and end came in a second write.
      expect(answer.head.writes).toBe(1);
      expect(writes.count()).toBe(2);
      expect(answer.text).toContain('sleptMs');
    });

    it("streams a call's progress as it comes, not held until its answer", async () => {
      server = await startHttp();
      const session = await rawSession(server.url);

      // Two calls in parallel: the echo settles at once (progress 1 of 2), the sleep 200 ms later.
      const answer = await session.call(2, {
        name: 'dispatch_parallel',
        arguments: {
          calls: [
            { category: 'demo', tool: 'echo', params: { value: 'first' } },
            { category: 'demo', tool: 'sleep', params: { ms: 200 } },
          ],
        },
        _meta: { progressToken: 'p' },
      });

      const first = answer.chunks.findIndex((chunk) => chunk.includes('notifications/progress'));
      const last = answer.chunks.findIndex((chunk) => chunk.includes('"result"'));
      expect(first).toBeGreaterThanOrEqual(0);
      // The first progress line reached the client in an earlier read than the answer.
      expect(last).toBeGreaterThan(first);
      expect(answer.chunks[first]).not.toContain('"result"');
    });
  });
});

import {
  Client,
  ClientCredentialsProvider,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENTS, freePort, type Issuer, startIssuer, type TestClient } from './auth-helpers.js';
import {
  closeAfterTest,
  connectHttp,
  errorText,
  type HttpHarness,
  MODERN,
  ok,
  startHttp,
} from './helpers.js';

let issuer: Issuer;
let server: HttpHarness;

beforeAll(async () => {
  const port = await freePort();
  const audience = `http://127.0.0.1:${port}/mcp`;
  issuer = await startIssuer({ jwtResources: [audience] });
  server = await startHttp({
    builtins: ['text', 'time'],
    http: {
      port,
      auth: {
        issuer: issuer.issuer,
        audience,
        requiredScopes: ['mcp'],
        grants: { 'tools:text': { categories: ['text'] }, 'tools:time': { tools: ['time/now'] } },
        rateLimit: { perMinute: 6, burst: 2 },
      },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

/**
 * The SDK's client-credentials provider asking for the scopes the client was registered with:
 * left alone it asks for the challenge's scope (`requiredScopes`, here "mcp"), as the MCP spec
 * orders, and would get a token that opens no category.
 */
class RegisteredScopes extends ClientCredentialsProvider {
  constructor(readonly credentials: TestClient) {
    super({
      clientId: credentials.client_id,
      clientSecret: credentials.client_secret,
      scope: credentials.scope,
      expectedIssuer: issuer.issuer,
    });
  }
  override prepareTokenRequest(): URLSearchParams {
    return super.prepareTokenRequest(this.credentials.scope);
  }
}

/** An SDK 2 client that finds the authorization server from x-server's 401 and gets its own token. */
async function connect(credentials: TestClient): Promise<Client> {
  const client = new Client({ name: 'auth-scoping-test', version: '1.0.0' });
  closeAfterTest(() => client.close());
  const authProvider = new RegisteredScopes(credentials);
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { authProvider }));
  return client;
}

const call = (client: Client, name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args });

describe('per-client scoping (http.auth.grants) and rate limits', () => {
  it('a client-credentials client sees and calls only what its scope opens', async () => {
    const client = await connect(CLIENTS.text);
    const { categories } = ok<{ categories: { name: string }[] }>(
      await call(client, 'list_categories'),
    );
    expect(categories.map((c) => c.name)).toEqual(['text']);
    const hits = ok<{ hits: { category: string }[] }>(
      await call(client, 'search_tools', { query: 'time now hash' }),
    ).hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(new Set(hits.map((h) => h.category))).toEqual(new Set(['text']));
    const hash = ok<{ result: { hex: string } }>(
      await call(client, 'dispatch', { category: 'text', tool: 'hash', params: { text: 'a' } }),
    );
    expect(hash.result.hex).toHaveLength(64);

    const refused = errorText(await call(client, 'dispatch', { category: 'time', tool: 'now' }));
    expect(refused).toMatch(/^\[FORBIDDEN\]/);
    expect(refused).toContain('"tools:time"');
    expect(errorText(await call(client, 'list_tools', { category: 'time' }))).toContain(
      '[FORBIDDEN]',
    );
    expect(
      errorText(await call(client, 'get_tool_schema', { category: 'time', tool: 'now' })),
    ).toContain('"tools:time"');
  });

  it('holds in both protocol eras', async () => {
    const token = await issuer.token(CLIENTS.text);
    for (const mode of ['legacy', MODERN] as const) {
      const client = await connectHttp(server.url, { authorization: `Bearer ${token}` }, mode);
      const { categories } = ok<{ categories: { name: string }[] }>(
        await call(client, 'list_categories'),
      );
      expect(categories.map((c) => c.name)).toEqual(['text']);
      expect(errorText(await call(client, 'dispatch', { category: 'time', tool: 'now' }))).toMatch(
        /^\[FORBIDDEN\]/,
      );
    }
  });

  it('a tool glob opens that tool only; two scopes open both', async () => {
    const client = await connect(CLIENTS.all);
    const { categories } = ok<{ categories: { name: string }[] }>(
      await call(client, 'list_categories'),
    );
    expect(categories.map((c) => c.name).sort()).toEqual(['text', 'time']);
    const { tools } = ok<{ tools: { name: string }[] }>(
      await call(client, 'list_tools', { category: 'time' }),
    );
    expect(tools.map((t) => t.name)).toEqual(['now']);
    ok(await call(client, 'dispatch', { category: 'time', tool: 'now' }));
  });

  it('enforces the rate limit per principal and category, saying when to retry (fake time)', async () => {
    const client = await connect(CLIENTS.text);
    const other = await connect(CLIENTS.all);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const hash = { category: 'text', tool: 'hash', params: { text: 'b' } };
      // The first test spent this principal's text bucket: a minute refills it.
      vi.setSystemTime(Date.now() + 60_000);
      ok(await call(client, 'dispatch', hash));
      ok(await call(client, 'dispatch', hash));
      const limited = errorText(await call(client, 'dispatch', hash));
      expect(limited).toMatch(/^\[RATE_LIMITED\]/);
      expect(limited).toContain('retry in 10 s');
      // Another principal has its own bucket.
      vi.setSystemTime(Date.now() + 60_000);
      ok(await call(other, 'dispatch', hash));
      ok(await call(other, 'dispatch', hash));
      // 6 a minute: one call back every 10 s.
      ok(await call(client, 'dispatch', hash));
      ok(await call(client, 'dispatch', hash));
      expect(errorText(await call(client, 'dispatch', hash))).toContain('[RATE_LIMITED]');
      vi.setSystemTime(Date.now() + 10_000);
      ok(await call(client, 'dispatch', hash));
    } finally {
      vi.useRealTimers();
    }
  });
});

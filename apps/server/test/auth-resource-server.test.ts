import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENTS, freePort, type Issuer, startIssuer } from './auth-helpers.js';
import { type HttpHarness, startHttp } from './helpers.js';

const OTHER_AUDIENCE = 'https://elsewhere.example/mcp';
let issuer: Issuer;
let stranger: Issuer;
let server: HttpHarness;
let audience: string;
let opaqueAudience: string;

const rpc = (id: number, method: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});
const INIT = rpc(1, 'initialize', {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'auth-test', version: '0' },
});

async function post(token: string | undefined, body: unknown = INIT, session?: string) {
  return fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...(session !== undefined && { 'mcp-session-id': session }),
    },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  const port = await freePort();
  audience = `http://127.0.0.1:${port}/mcp`;
  opaqueAudience = `urn:x-server:opaque`;
  issuer = await startIssuer({
    jwtResources: [audience, OTHER_AUDIENCE],
    opaqueResources: [opaqueAudience],
  });
  stranger = await startIssuer({ jwtResources: [audience] });
  server = await startHttp({
    http: {
      port,
      auth: {
        issuer: issuer.issuer,
        audience,
        requiredScopes: ['mcp'],
        introspection: {
          clientId: CLIENTS.server.client_id,
          clientSecret: CLIENTS.server.client_secret,
        },
      },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
  await stranger?.close();
});

describe('x-server as an OAuth resource server', () => {
  it('does not serve the dashboard on its port (a page load cannot carry an access token)', async () => {
    for (const path of ['/', '/dashboard/events', '/dashboard/app.js']) {
      const response = await fetch(`${server.base}${path}`);
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/not served on this port while http\.auth/);
    }
  });

  it('publishes RFC 9728 metadata naming its authorization server', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(`${server.base}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        resource: audience,
        authorization_servers: [issuer.issuer],
        scopes_supported: ['mcp'],
      });
    }
  });

  it('answers 401 with a resource_metadata challenge without a token', async () => {
    const response = await post(undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(
      `resource_metadata="${server.base}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it("accepts the issuer's JWT for this audience", async () => {
    const response = await post(await issuer.token(CLIENTS.all));
    expect(response.status).toBe(200);
  });

  it('accepts an opaque token through introspection, for this audience only', async () => {
    const token = await issuer.token(CLIENTS.opaque);
    expect(token.split('.')).toHaveLength(1);
    expect((await post(token)).status).toBe(200);
    // Introspection says this one is for another resource: refused.
    const elsewhere = await issuer.token(CLIENTS.all, { resource: opaqueAudience });
    expect(elsewhere.split('.')).toHaveLength(1);
    expect((await post(elsewhere)).status).toBe(401);
  });

  it('refuses a token for another audience, from another issuer, tampered or unsigned (401)', async () => {
    const wrongAudience = await issuer.token(CLIENTS.all, { resource: OTHER_AUDIENCE });
    const wrongIssuer = await stranger.token(CLIENTS.all);
    const good = await issuer.token(CLIENTS.all);
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({ ...claims, scope: `${claims.scope} admin` }),
    ).toString('base64url');
    const tampered = `${header}.${forged}.${signature}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    for (const token of [wrongAudience, wrongIssuer, tampered, unsigned, 'not-a-token']) {
      const response = await post(token);
      expect(response.status, token).toBe(401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toContain('resource_metadata=');
    }
  });

  it('refuses an expired token (401), on fake time', async () => {
    const token = await issuer.token(CLIENTS.all);
    expect((await post(token)).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 601_000);
      const response = await post(token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('invalid_token');
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers 403 insufficient_scope naming the scope when a required one is missing', async () => {
    const response = await post(await issuer.token(CLIENTS.noMcp));
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp"');
  });

  it('serves a 2025 session only to the principal that opened it', async () => {
    const alice = await issuer.token(CLIENTS.all);
    const bob = await issuer.token(CLIENTS.text);
    const opened = await post(alice);
    expect(opened.status).toBe(200);
    const session = opened.headers.get('mcp-session-id')!;
    expect(session).toBeTruthy();
    const ping = { jsonrpc: '2.0', id: 2, method: 'ping', params: {} };
    const foreign = await post(bob, ping, session);
    expect(foreign.status).toBe(404);
    const own = await post(await issuer.token(CLIENTS.all), ping, session);
    expect(own.status).toBe(200);
  });
});

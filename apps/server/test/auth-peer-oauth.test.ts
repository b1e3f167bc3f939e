import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientCredentialsToken } from '../src/auth/index.js';
import { CLIENTS, freePort, type Issuer, startIssuer } from './auth-helpers.js';
import { connectHttp, type HttpHarness, ok, startHttp } from './helpers.js';

// An HTTP peer behind OAuth: x-server gets a token of its own by the client credentials grant.
let issuer: Issuer;
let upstreamAudience: string;
let upstream: HttpHarness;

beforeAll(async () => {
  const port = await freePort();
  upstreamAudience = `http://127.0.0.1:${port}/mcp`;
  issuer = await startIssuer({ jwtResources: [upstreamAudience] });
  upstream = await startHttp({
    http: {
      port,
      auth: { issuer: issuer.issuer, audience: upstreamAudience, requiredScopes: ['mcp'] },
    },
  });
});

afterAll(async () => {
  await upstream?.close();
  await issuer?.close();
});

const credentials = {
  issuer: '',
  clientId: CLIENTS.all.client_id,
  clientSecret: CLIENTS.all.client_secret,
  scope: 'mcp',
};

describe('client credentials for an HTTP peer', () => {
  it('fetches a token once, caches it, and renews it before it expires (fake time)', async () => {
    let now = Date.now();
    const source = new ClientCredentialsToken(
      { ...credentials, issuer: issuer.issuer },
      { peerUrl: upstreamAudience, now: () => now },
    );
    const first = await source.token();
    expect(await Promise.all([source.token(), source.token()])).toEqual([first, first]);
    expect(source.fetched).toBe(1);
    // The provider's tokens live 600 s: renewed 60 s before, not after.
    now += 539_000;
    expect(await source.token()).toBe(first);
    now += 1_000;
    const second = await source.token();
    expect(second).not.toBe(first);
    expect(source.fetched).toBe(2);
    // A token the peer refused is forgotten.
    source.invalidate(second);
    expect(await source.token()).not.toBe(second);
    expect(source.fetched).toBe(3);
  });

  it('names the failure when the provider refuses the client', async () => {
    const source = new ClientCredentialsToken(
      { ...credentials, issuer: issuer.issuer, clientSecret: 'wrong-secret' },
      { peerUrl: upstreamAudience },
    );
    await expect(source.token()).rejects.toThrow(
      /token request for client "team-all" failed \(invalid_client/,
    );
  });

  it('a gateway calls an OAuth-protected peer with its own token', async () => {
    const gateway = await startHttp({
      builtins: [],
      peers: {
        upstream: {
          url: upstream.url,
          description: 'An x-server behind OAuth',
          oauth: { ...credentials, issuer: issuer.issuer },
        },
      },
    });
    const client = await connectHttp(gateway.url);
    const answer = ok<{ result: { result: { value: number } } }>(
      await client.callTool({
        name: 'dispatch',
        arguments: {
          category: 'upstream',
          tool: 'dispatch',
          params: { category: 'demo', tool: 'echo', params: { value: 5 } },
        },
      }),
    );
    expect(answer.result.result).toEqual({ value: 5 });
  });
});

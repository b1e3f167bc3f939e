import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, freePort, type Issuer, startIssuer } from './auth-helpers.js';
import { type HttpHarness, ok, startHttp } from './helpers.js';

// A client's access token is for x-server alone: the gateway never passes it on to a peer, which
// gets the credentials of its own peer config.
let issuer: Issuer;
let upstream: HttpHarness;
let gateway: HttpHarness;
let recorder: Server;
const seen: (string | undefined)[] = [];
const PEER_CREDENTIAL = 'Bearer the-peer-own-credential';

beforeAll(async () => {
  upstream = await startHttp();
  const target = new URL(upstream.url);
  // Between the gateway and the peer: records the Authorization of every request, forwards it.
  recorder = createServer((req, res) => {
    seen.push(req.headers.authorization);
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const { port: recorderPort } = recorder.address() as { port: number };
  const port = await freePort();
  const audience = `http://127.0.0.1:${port}/mcp`;
  issuer = await startIssuer({ jwtResources: [audience] });
  gateway = await startHttp({
    builtins: [],
    peers: {
      upstream: {
        url: `http://127.0.0.1:${recorderPort}/mcp`,
        description: 'Another x-server',
        headers: { authorization: PEER_CREDENTIAL },
      },
    },
    http: { port, auth: { issuer: issuer.issuer, audience } },
  });
});

afterAll(async () => {
  await gateway?.close();
  recorder?.closeAllConnections();
  await new Promise((resolve) => recorder?.close(resolve));
  await upstream?.close();
  await issuer?.close();
});

describe('a caller token and the peers', () => {
  it('is never sent to a peer: the peer gets its own configured credentials', async () => {
    const token = await issuer.token(CLIENTS.all);
    const rpc = async (id: number, method: string, params: Record<string, unknown>) => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          ...(sessionId && { 'mcp-session-id': sessionId }),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      });
      sessionId ??= response.headers.get('mcp-session-id') ?? undefined;
      expect(response.status).toBe(200);
      const text = await response.text();
      const data = text.startsWith('{') ? text : text.split('\ndata: ')[1]!.split('\n')[0]!;
      return JSON.parse(data).result;
    };
    let sessionId: string | undefined;
    await rpc(1, 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'auth-peers-test', version: '0' },
    });
    const answer = await rpc(2, 'tools/call', {
      name: 'dispatch',
      arguments: {
        category: 'upstream',
        tool: 'dispatch',
        params: { category: 'demo', tool: 'echo', params: { value: 7 } },
      },
    });
    expect(ok<{ result: { result: { value: number } } }>(answer).result.result).toEqual({
      value: 7,
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([PEER_CREDENTIAL]));
    expect(seen.some((header) => header?.includes(token))).toBe(false);
  });
});

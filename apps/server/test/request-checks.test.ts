import type { IncomingMessage } from 'node:http';
import { isLegacyRequest } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import {
  checkHostAndOrigin,
  checkToken,
  classifiable,
  hostnameOf,
  isLoopback,
} from '../src/transport/request-checks.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const policy = { bindHost: '127.0.0.1', token: undefined, allowedHosts: [], allowedOrigins: [] };

describe('request checks', () => {
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', 'example.com'].some(isLoopback)).toBe(false);
  });

  it('reads the hostname of a Host header', () => {
    expect(hostnameOf('Example.com:3000')).toBe('example.com');
    expect(hostnameOf('[::1]:80')).toBe('::1');
  });

  it('accepts a loopback Host and a loopback Origin', () => {
    expect(
      checkHostAndOrigin(
        request({ host: 'localhost:3000', origin: 'http://localhost:5173' }),
        policy,
      ),
    ).toBeUndefined();
  });

  it('refuses a foreign Host (DNS rebinding) with 403', () => {
    expect(checkHostAndOrigin(request({ host: 'evil.example:3000' }), policy)?.status).toBe(403);
  });

  it('refuses a foreign Origin with 403 unless it is allowed', () => {
    const foreign = request({ host: '127.0.0.1:3000', origin: 'https://evil.example' });

    expect(checkHostAndOrigin(foreign, policy)).toMatchObject({ status: 403 });
    expect(
      checkHostAndOrigin(foreign, { ...policy, allowedOrigins: ['https://evil.example'] }),
    ).toBeUndefined();
  });

  it('requires the exact bearer token when one is configured', () => {
    expect(checkToken(request({}), 'secret-token-123456')?.status).toBe(401);
    expect(
      checkToken(request({ authorization: 'Bearer wrong' }), 'secret-token-123456')?.status,
    ).toBe(401);
    expect(
      checkToken(request({ authorization: 'Bearer secret-token-123456' }), 'secret-token-123456'),
    ).toBeUndefined();
    expect(checkToken(request({}), undefined)).toBeUndefined();
  });
});

describe('classifiable: the request as the SDK classifies its era', () => {
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const call = (meta?: object) => ({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: {}, ...(meta ? { _meta: meta } : {}) },
  });
  const cases: [string, string, Record<string, string | string[]>, unknown, boolean][] = [
    ['a 2025 initialize', 'POST', {}, { ...call(), method: 'initialize' }, true],
    [
      'a 2025 call in a session',
      'POST',
      { 'mcp-protocol-version': '2025-06-18', 'mcp-session-id': 's' },
      call(),
      true,
    ],
    [
      'a 2026 call',
      'POST',
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
      call(envelope),
      false,
    ],
    [
      'a 2026 header without the envelope',
      'POST',
      { 'mcp-protocol-version': '2026-07-28' },
      call(),
      false,
    ],
    [
      'a 2026 call whose method header disagrees',
      'POST',
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list', 'mcp-name': 'echo' },
      call(envelope),
      false,
    ],
    [
      // Node joins a repeated header's lines as Headers does.
      'a repeated version header',
      'POST',
      { 'mcp-protocol-version': '2026-07-28, 2025-06-18' },
      call(),
      false,
    ],
    ['a session GET', 'GET', { 'mcp-session-id': 's' }, undefined, true],
  ];

  it.each(cases)(
    '%s: the same era as a whole web Request gives',
    async (_name, method, headers, body, legacy) => {
      const node = { method, headers } as unknown as IncomingMessage;
      const web = new Headers();
      for (const [key, value] of Object.entries(headers)) {
        for (const item of Array.isArray(value) ? value : [value]) web.append(key, item);
      }
      const whole = new Request('http://127.0.0.1/mcp', { method, headers: web });

      const ours = await isLegacyRequest(classifiable(node), body);
      const sdk = await isLegacyRequest(whole, body);

      expect(ours).toBe(sdk);
      expect(ours).toBe(legacy);
    },
  );
});

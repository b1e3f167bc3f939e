import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  checkHostAndOrigin,
  checkToken,
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

import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RateLimitStore, SharedRateLimiter } from '../src/auth/index.js';
import { CLIENTS, freePort, type Issuer, startIssuer } from './auth-helpers.js';
import { startRedis } from './cluster-helpers.js';
import { connectHttp, errorText, type HttpHarness, ok, startHttp } from './helpers.js';

// Two instances on one Redis count a principal's calls together (http.auth.rateLimit).
let issuer: Issuer;
const instances: HttpHarness[] = [];

beforeAll(async () => {
  const redisPort = await freePort();
  await startRedis(redisPort);
  const port = await freePort();
  const audience = `http://127.0.0.1:${port}/mcp`;
  issuer = await startIssuer({ jwtResources: [audience] });
  const auth = { issuer: issuer.issuer, audience, rateLimit: { perMinute: 6, burst: 2 } };
  const cache = { redisUrl: `redis://127.0.0.1:${redisPort}`, namespace: `rl-${port}` };
  // The same public audience: behind one load balancer, each instance on a port of its own.
  instances.push(await startHttp({ builtins: ['text'], cache, http: { port, auth } }));
  instances.push(await startHttp({ builtins: ['text'], cache, http: { port: 0, auth } }));
  // Redis connects in the background (meanwhile each instance counts alone): wait for it.
  for (const { app } of instances) {
    await vi.waitFor(
      () => expect((app.stats().cluster as { connected: boolean }).connected).toBe(true),
      { timeout: 10_000, interval: 20 },
    );
  }
}, 30_000);

afterAll(async () => {
  for (const instance of instances) await instance.close();
  await issuer?.close();
});

describe('a rate limit shared through Redis', () => {
  it("counts a principal's calls on every instance together (fake time)", async () => {
    const token = await issuer.token(CLIENTS.text);
    const [a, b] = (await Promise.all(
      instances.map((i) => connectHttp(i.url, { authorization: `Bearer ${token}` })),
    )) as [Client, Client];
    const hash = {
      name: 'dispatch',
      arguments: { category: 'text', tool: 'hash', params: { text: 'x' } },
    };
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      ok(await a.callTool(hash));
      ok(await b.callTool(hash));
      expect(errorText(await a.callTool(hash))).toMatch(/^\[RATE_LIMITED\].*retry in 10 s/);
      expect(errorText(await b.callTool(hash))).toMatch(/^\[RATE_LIMITED\]/);
      vi.setSystemTime(Date.now() + 10_000);
      ok(await b.callTool(hash));
      expect(errorText(await a.callTool(hash))).toMatch(/^\[RATE_LIMITED\]/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the shared limiter without Redis', () => {
  it("falls back to this instance's own buckets while Redis fails", async () => {
    const down: RateLimitStore = {
      namespace: 'x',
      eval: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const limiter = new SharedRateLimiter(down, { perMinute: 60, burst: 1, now: () => 0 });
    await limiter.take('alice', 'text');
    await expect(limiter.take('alice', 'text')).rejects.toThrow('retry in 1 s');
    expect(limiter.fallbacks).toBe(2);
  });
});

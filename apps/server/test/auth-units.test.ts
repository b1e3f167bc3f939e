import { describe, expect, it } from 'vitest';
import { Access, GrantTable, metadataUrls, RateLimiter, runAs } from '../src/auth/index.js';
import { ServerMetrics } from '../src/backends/metrics.js';
import { toSpan } from '../src/backends/telemetry.js';
import { demoCategory } from '../src/catalog/builtins/demo.js';
import { parseConfig } from '../src/config/index.js';
import { ConfigError } from '../src/errors.js';
import { dispatcherWith } from './fakes.js';

const auth = {
  issuer: 'https://login.example.com/realms/a',
  audience: 'https://mcp.example.com/mcp',
};

describe('http.auth config', () => {
  it('refuses http.token and http.auth together', () => {
    const both = () => parseConfig({ http: { token: 'a-static-token-0123456789', auth } });
    expect(both).toThrow(ConfigError);
    expect(both).toThrow(/http\.auth.*either http\.token.*or http\.auth/);
  });

  it('accepts http.auth alone, with defaults', () => {
    expect(parseConfig({ http: { auth } }).http.auth).toEqual({
      ...auth,
      requiredScopes: [],
      principalInSpans: false,
    });
  });

  it('finds issuer metadata where RFC 8414 and OpenID Connect discovery put it', () => {
    expect(metadataUrls(auth.issuer)).toEqual([
      'https://login.example.com/.well-known/oauth-authorization-server/realms/a',
      'https://login.example.com/realms/a/.well-known/openid-configuration',
    ]);
  });
});

describe('grants', () => {
  const grants = new GrantTable({
    'tools:text': { categories: ['text'] },
    'gh:read': { tools: ['github/get_*', 'github/list_*'] },
  });

  it('opens whole categories and tool globs, and names the scopes that would open a tool', async () => {
    const reader = new Access('alice', ['gh:read'], grants, undefined);
    expect(reader.seesCategory('github')).toBe(true);
    expect(reader.seesCategory('text')).toBe(false);
    expect(reader.mayCall('github', 'get_issue')).toBe(true);
    expect(reader.mayCall('github', 'create_issue')).toBe(false);
    await expect(reader.admit('github', 'create_issue')).rejects.toThrow(/no scope/);
    await expect(reader.admit('text', 'hash')).rejects.toThrow(
      '"text/hash" needs a token with scope "tools:text"',
    );
  });

  it('a glob matches literally outside its stars', () => {
    const reader = new Access('alice', ['gh:read'], grants, undefined);
    expect(reader.mayCall('github', 'get_')).toBe(true);
    expect(reader.mayCall('github', 'getXissue')).toBe(false);
    expect(reader.mayCall('githubx', 'get_issue')).toBe(false);
  });

  it('without grants, a valid token opens everything', async () => {
    const anyone = new Access('bob', [], undefined, undefined);
    expect(anyone.seesCategory('text')).toBe(true);
    await expect(anyone.admit('text', 'hash')).resolves.toBeUndefined();
  });
});

describe('rate limit', () => {
  it('lets a burst through, then one call per refill interval, per principal and category', () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 2, now: () => now });
    limiter.take('alice', 'text');
    limiter.take('alice', 'text');
    expect(() => limiter.take('alice', 'text')).toThrow('retry in 1 s (after 1000 ms)');
    limiter.take('alice', 'time');
    limiter.take('bob', 'text');
    now += 999;
    expect(() => limiter.take('alice', 'text')).toThrow('after 1 ms');
    now += 1;
    limiter.take('alice', 'text');
  });

  it('keeps at most maxBuckets buckets', () => {
    const limiter = new RateLimiter({ perMinute: 1, maxBuckets: 2, now: () => 0 });
    for (const who of ['a', 'b', 'c']) limiter.take(who, 'text');
    expect(limiter.size).toBe(2);
  });
});

describe('the principal in spans', () => {
  const echo = { category: 'demo', tool: 'echo', params: { value: 1 } };

  it('is named (as enduser.id) only when http.auth.principalInSpans is on', async () => {
    const { dispatcher, spans } = dispatcherWith([demoCategory()]);
    await runAs(new Access('alice', [], undefined, undefined, true), () =>
      dispatcher.dispatch(echo),
    );
    await runAs(new Access('bob', [], undefined, undefined), () => dispatcher.dispatch(echo));
    await dispatcher.dispatch(echo);
    expect(spans.map((span) => span.principal)).toEqual(['alice', undefined, undefined]);
    expect(toSpan(spans[0]!).attributes?.['enduser.id']).toBe('alice');
    expect(toSpan(spans[1]!).attributes).not.toHaveProperty('enduser.id');
  });

  it('is counted per caller in /metrics only when principalInSpans is on', async () => {
    const { dispatcher } = dispatcherWith([demoCategory()]);
    const metrics = new ServerMetrics({
      cacheHitRate: () => 0,
      breakerStates: () => ({}),
      queue: () => ({ queued: 0, running: 0 }),
      sessions: () => 0,
    });
    dispatcher.observe(metrics);
    await runAs(new Access('alice', [], undefined, undefined, true), () =>
      dispatcher.dispatch(echo),
    );
    await runAs(new Access('bob', [], undefined, undefined), () => dispatcher.dispatch(echo));
    const text = await metrics.text();
    expect(text).toContain(
      'x_server_principal_calls_total{principal="alice",category="demo",outcome="ok"} 1',
    );
    expect(text).not.toContain('principal="bob"');
  });

  it('a refused call is a failed span with its FORBIDDEN code', async () => {
    const { dispatcher, spans } = dispatcherWith([demoCategory()]);
    const grants = new GrantTable({ 'tools:text': { categories: ['text'] } });
    await expect(
      runAs(new Access('carol', ['tools:text'], grants, undefined, true), () =>
        dispatcher.dispatch(echo),
      ),
    ).rejects.toThrow('"demo/echo" is opened by no scope');
    expect(spans[0]).toMatchObject({ ok: false, errorCode: 'FORBIDDEN', principal: 'carol' });
  });
});

import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, errorText, type HttpHarness, ok, startHttp } from './helpers.js';

// The model-facing tools, driven by the SDK's own Client over real Streamable HTTP.
describe('model-facing tools over Streamable HTTP', () => {
  let server: HttpHarness;
  let client: Client;

  beforeAll(async () => {
    server = await startHttp({ breaker: { failureThreshold: 3, recoveryTimeoutMs: 60_000 } });
    client = await connectHttp(server.url);
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  const call = (name: string, args: Record<string, unknown> = {}) =>
    client.callTool({ name, arguments: args });

  it('offers the small stable surface, each tool with an output schema and annotations', async () => {
    const { tools } = await client.listTools();

    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'describe_workflow_template',
      'dispatch',
      'dispatch_parallel',
      'get_tool_schema',
      'list_categories',
      'list_tools',
      'list_workflow_templates',
      'search_tools',
      'server_stats',
      'workflow_run',
    ]);
    for (const tool of tools) {
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.annotations, tool.name).toBeDefined();
    }
  });

  it('lists the built-in categories without loading them', async () => {
    const { categories } = ok<{ categories: { name: string; loaded: boolean }[] }>(
      await call('list_categories'),
    );

    expect(categories.map((category) => category.name)).toEqual(['text', 'time', 'fs', 'demo']);
    expect(categories.find((category) => category.name === 'time')?.loaded).toBe(false);
  });

  it('lists the tools of a category and finds tools by search', async () => {
    const listed = ok<{ tools: { name: string; cached: boolean }[] }>(
      await call('list_tools', { category: 'text' }),
    );
    const found = ok<{ hits: { category: string; tool: string }[] }>(
      await call('search_tools', { query: 'sha256 hash' }),
    );

    expect(listed.tools.map((tool) => tool.name)).toEqual([
      'hash',
      'base64',
      'json_query',
      'regex_match',
    ]);
    expect(listed.tools.every((tool) => tool.cached)).toBe(true);
    expect(found.hits[0]).toMatchObject({ category: 'text', tool: 'hash' });
  });

  it('answers get_tool_schema from its cache on the second ask', async () => {
    const before = server.app.schemas.stats();
    const first = ok(await call('get_tool_schema', { category: 'fs', tool: 'read_file' }));
    const second = ok(await call('get_tool_schema', { category: 'fs', tool: 'read_file' }));
    const after = server.app.schemas.stats();

    expect(second).toEqual(first);
    expect(first).toMatchObject({ inputSchema: { type: 'object', required: ['path'] } });
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(1);
  });

  it('dispatches a call and returns the tool result as structured content', async () => {
    const done = ok<{ result: { content: string } }>(
      await call('dispatch', { category: 'fs', tool: 'read_file', params: { path: 'hello.txt' } }),
    );

    expect(done.result.content).toBe('hello from the fs root');
  });

  it('keeps the dispatch envelope: params an object of any properties, defaulting to {}', async () => {
    const { tools } = await client.listTools();
    const params = (
      tools.find((tool) => tool.name === 'dispatch')!.inputSchema.properties as Record<
        string,
        Record<string, unknown>
      >
    ).params!;
    expect(params.type).toBe('object');
    expect(params.additionalProperties).toEqual({});
    expect(params.default).toEqual({});

    // No params reach the tool's own validator as {}.
    expect(errorText(await call('dispatch', { category: 'demo', tool: 'echo' }))).toMatch(
      /^\[INVALID_PARAMS\] Invalid params for demo\.echo: value: /,
    );
    for (const bad of [[1, 2], 'x', 3, null]) {
      const result = await call('dispatch', { category: 'demo', tool: 'echo', params: bad });
      expect(result.isError, JSON.stringify(bad)).toBe(true);
    }
  });

  it('answers invalid params with a tool error carrying the validation message', async () => {
    const result = await call('dispatch', {
      category: 'demo',
      tool: 'sleep',
      params: { ms: 'soon' },
    });

    expect(errorText(result)).toMatch(/^\[INVALID_PARAMS\] Invalid params for demo\.sleep: ms: /);
  });

  it('answers an unknown tool or a path outside the fs root with a clear tool error', async () => {
    expect(errorText(await call('dispatch', { category: 'demo', tool: 'nope' }))).toMatch(
      /UNKNOWN_TOOL.*list_tools/,
    );
    expect(
      errorText(
        await call('dispatch', {
          category: 'fs',
          tool: 'read_file',
          params: { path: '../../etc/passwd' },
        }),
      ),
    ).toMatch(/PATH_OUTSIDE_ROOT/);
  });

  it('serves a repeated read-only idempotent call from the cache', async () => {
    const args = { category: 'text', tool: 'hash', params: { text: `cache-${Date.now()}` } };
    const first = ok<{ cached: boolean; result: unknown }>(await call('dispatch', args));
    const second = ok<{ cached: boolean; result: unknown }>(await call('dispatch', args));

    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.result).toEqual(first.result);
  });

  it('replays a call with the same idempotency key without running it again', async () => {
    const args = { category: 'demo', tool: 'sleep', params: { ms: 1 }, idempotencyKey: 'key-1' };
    const before = server.app.dispatcher.stats();
    const [a, b] = await Promise.all([call('dispatch', args), call('dispatch', args)]);
    const c = await call('dispatch', args);

    expect([ok(a).replayed, ok(b).replayed].sort()).toEqual([false, true]);
    expect(ok(c).replayed).toBe(true);
    expect(server.app.dispatcher.stats().replayed - before.replayed).toBe(2);
  });

  it('runs dispatch_parallel calls concurrently, answering in input order', async () => {
    const calls = Array.from({ length: 10 }, (_, i) => ({
      category: 'demo',
      tool: 'sleep',
      params: { ms: 100 + i },
    }));
    const started = performance.now();
    const done = ok<{ results: { ok: boolean; result: { sleptMs: number } }[]; succeeded: number }>(
      await call('dispatch_parallel', { calls }),
    );
    const elapsedMs = performance.now() - started;

    expect(done.succeeded).toBe(10);
    expect(done.results.map((outcome) => outcome.result.sleptMs)).toEqual(
      calls.map((c) => c.params.ms),
    );
    // In sequence this takes over 1,000 ms; concurrently about 110 ms. The bound is generous.
    expect(elapsedMs).toBeLessThan(700);
  });

  it('reports per-call errors in dispatch_parallel without failing the batch', async () => {
    const done = ok<{ results: { ok: boolean; error?: { code: string } }[] }>(
      await call('dispatch_parallel', {
        calls: [
          { category: 'text', tool: 'base64', params: { text: 'x' } },
          { category: 'nope', tool: 'x' },
          { category: 'demo', tool: 'sleep', params: {} },
        ],
      }),
    );

    expect(done.results.map((outcome) => outcome.ok)).toEqual([true, false, false]);
    expect(done.results[1]?.error?.code).toBe('UNKNOWN_CATEGORY');
    expect(done.results[2]?.error?.code).toBe('INVALID_PARAMS');
  });

  it('sends one progress notification per finished call when asked', async () => {
    const progress: number[] = [];
    const calls = Array.from({ length: 5 }, (_, i) => ({
      category: 'demo',
      tool: 'sleep',
      params: { ms: i * 5 },
    }));

    await client.callTool(
      { name: 'dispatch_parallel', arguments: { calls } },
      { onprogress: (event) => progress.push(event.progress) },
    );

    expect(progress).toEqual([1, 2, 3, 4, 5]);
  });

  it('cancels a whole dispatch_parallel batch', async () => {
    const controller = new AbortController();
    const calls = Array.from({ length: 4 }, () => ({
      category: 'demo',
      tool: 'sleep',
      params: { ms: 30_000 },
    }));
    const before = server.app.dispatcher.stats();

    const pending = client.callTool(
      { name: 'dispatch_parallel', arguments: { calls } },
      { signal: controller.signal },
    );
    await expect.poll(() => server.app.dispatcher.stats().inFlight).toBe(4);
    controller.abort();

    await expect(pending).rejects.toThrow(/abort/i);
    await expect.poll(() => server.app.dispatcher.stats().inFlight, { timeout: 5_000 }).toBe(0);
    expect(server.app.dispatcher.stats().failed - before.failed).toBe(4);
  });

  it('opens the category breaker on demo.flaky and then refuses at once, naming the category', async () => {
    const flaky = { category: 'demo', tool: 'flaky', params: { failureRate: 1 } };
    for (let i = 0; i < 3; i++)
      expect(errorText(await call('dispatch', flaky))).toMatch(/FLAKY_FAILURE/);

    const refused = errorText(await call('dispatch', flaky));

    expect(refused).toMatch(/^\[CIRCUIT_OPEN\] Category "demo" is failing.*retried after \d{4}-/);
    expect(
      ok<{ stats: { breakers: Record<string, string> } }>(await call('server_stats')).stats.breakers
        .demo,
    ).toBe('open');
  });

  it('reports server statistics', async () => {
    const { stats } = ok<{
      stats: { dispatcher: { calls: number }; registry: { loaded: number } };
    }>(await call('server_stats'));

    expect(stats.dispatcher.calls).toBeGreaterThan(10);
    expect(stats.registry.loaded).toBeGreaterThanOrEqual(3);
  });
});

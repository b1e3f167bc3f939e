import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVERYTHING_BIN,
  type Gateway,
  isAlive,
  MEMORY_BIN,
  processesWith,
  startGateway,
} from './gateway-helpers.js';
import { errorText, ok, workdir } from './helpers.js';

interface Dispatched {
  cached: boolean;
}

/** A peer tool's answer through dispatch: the peer's content blocks, as it sent them. */
function textOf(answer: Awaited<ReturnType<Gateway['call']>>): string | undefined {
  ok(answer);
  const [first] = answer.content as { type: string; text?: string }[];
  return first?.type === 'text' ? first.text : undefined;
}

// Real MCP servers nobody here wrote, from npm, as stdio peers (child processes).
describe('stdio peers: @modelcontextprotocol/server-everything and server-memory', () => {
  let gateway: Gateway | undefined;
  const pids = new Set<number>();

  afterEach(async () => {
    for (const pid of gateway?.app.peers.processIds() ?? []) pids.add(pid);
    await gateway?.close();
    gateway = undefined;
    // Every peer process is gone once the server has closed.
    await expect.poll(() => [...pids].filter(isAlive), { timeout: 10_000 }).toEqual([]);
    pids.clear();
  });

  const everything = (extra: Record<string, unknown> = {}) => ({
    command: process.execPath,
    args: [EVERYTHING_BIN, 'stdio'],
    ...extra,
  });

  it('lists a peer as a category and loads its tools from tools/list on first use only', async () => {
    gateway = await startGateway({ builtins: [], peers: { everything: everything() } });

    const before = ok<{ categories: { name: string; loaded: boolean }[] }>(
      await gateway.call('list_categories'),
    );
    const processesBefore = gateway.app.peers.processIds().length;
    const listed = ok<{ tools: { name: string; cached: boolean; readOnly: boolean }[] }>(
      await gateway.call('list_tools', { category: 'everything' }),
    );

    expect(before.categories).toEqual([
      expect.objectContaining({ name: 'everything', loaded: false }),
    ]);
    expect(processesBefore).toBe(0);
    expect(listed.tools).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'echo', readOnly: true, cached: true }),
        expect.objectContaining({ name: 'get-sum', cached: true }),
        expect.objectContaining({ name: 'toggle-simulated-logging', cached: false }),
      ]),
    );
    expect(gateway.app.peers.processIds()).toHaveLength(1);
  });

  it("calls a peer's tool and serves the repeat of a read-only idempotent one from the cache", async () => {
    gateway = await startGateway({ builtins: [], peers: { everything: everything() } });
    const args = { category: 'everything', tool: 'echo', params: { message: 'hi' } };

    const first = await gateway.call('dispatch', args);
    const second = await gateway.call('dispatch', args);

    expect(textOf(first)).toBe('Echo: hi');
    expect(ok<Dispatched>(first).cached).toBe(false);
    expect(ok<Dispatched>(second).cached).toBe(true);
    expect(second.content).toEqual(first.content);
    expect(gateway.app.peers.stats().calls).toBe(1);
  });

  it('calls a tool each time when the config says not to cache it', async () => {
    gateway = await startGateway({
      builtins: [],
      peers: { everything: everything({ cacheTools: { 'get-sum': false } }) },
    });
    const args = { category: 'everything', tool: 'get-sum', params: { a: 2, b: 3 } };

    const first = await gateway.call('dispatch', args);
    const second = ok<Dispatched>(await gateway.call('dispatch', args));

    expect(textOf(first)).toMatch(/is 5/);
    expect(second.cached).toBe(false);
    expect(gateway.app.peers.stats().calls).toBe(2);
  });

  it("refuses params that break the peer tool's JSON Schema without calling the peer", async () => {
    gateway = await startGateway({ builtins: [], peers: { everything: everything() } });

    const text = errorText(
      await gateway.call('dispatch', {
        category: 'everything',
        tool: 'get-sum',
        params: { a: 'two', b: 3 },
      }),
    );

    expect(text).toMatch(/^\[INVALID_PARAMS\] Invalid params for everything\.get-sum: .*a/);
    expect(gateway.app.peers.stats().calls).toBe(0);
  });

  it("relays the peer's progress notifications to the caller", async () => {
    gateway = await startGateway({
      builtins: [],
      peers: { everything: everything({ cache: false }) },
    });
    const progress: number[] = [];

    const answer = await gateway.client.callTool(
      {
        name: 'dispatch',
        arguments: {
          category: 'everything',
          tool: 'trigger-long-running-operation',
          params: { duration: 0.2, steps: 4 },
        },
      },
      { onprogress: ({ progress: done }) => progress.push(done) },
    );

    ok(answer);
    // The peer sends its last progress right before its result; the SDK Client handles
    // notifications a microtask after responses, so it may drop that last one (SDK behaviour).
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([1, 2, 3, 4].slice(0, progress.length));
  });

  it('gives a call whose peer dies a clear error, counts it against the breaker, and reconnects on the next call', async () => {
    gateway = await startGateway({ builtins: [], peers: { everything: everything() } });
    ok(await gateway.call('list_tools', { category: 'everything' }));
    const [first] = gateway.app.peers.processIds();
    pids.add(first!);
    const pending = gateway.call('dispatch', {
      category: 'everything',
      tool: 'trigger-long-running-operation',
      params: { duration: 30, steps: 30 },
    });
    await expect.poll(() => gateway!.app.peers.stats().inFlight).toBe(1);

    process.kill(first!, 'SIGKILL');
    const text = errorText(await pending);
    const failures = gateway.guard.stats().failures;
    const next = await gateway.call('dispatch', {
      category: 'everything',
      tool: 'echo',
      params: { message: 'again' },
    });
    const [second] = gateway.app.peers.processIds();

    expect(text).toMatch(
      /^\[PEER_DISCONNECTED\] The connection to peer "everything" was lost during the call to trigger-long-running-operation/,
    );
    expect(failures).toBe(1);
    expect(textOf(next)).toBe('Echo: again');
    expect(second).not.toBe(first);
    expect(gateway.app.peers.stats()).toMatchObject({ disconnects: 1, connects: 2 });
  });

  it('fails at once, not after connectTimeoutMs, when a peer command cannot start', async () => {
    gateway = await startGateway({
      builtins: [],
      peers: { missing: { command: join(await workdir(), 'no-such-command') } },
      gateway: { connectTimeoutMs: 60_000 },
    });

    const listing = errorText(await gateway.call('list_tools', { category: 'missing' }));
    const call = errorText(await gateway.call('dispatch', { category: 'missing', tool: 'any' }));

    expect(listing).toMatch(
      /^\[CATEGORY_LOAD_FAILED\] Category "missing" failed to load: Peer "missing" is unavailable: spawn \S+ ENOENT\. Check that it runs/,
    );
    expect(listing).not.toMatch(/\.\./);
    expect(call).toMatch(/ENOENT/);
  });

  it('fails at once with its stderr when a peer exits during initialize, leaving no process', async () => {
    gateway = await startGateway({
      builtins: [],
      peers: {
        broken: {
          command: process.execPath,
          args: ['-e', 'console.error("boom: no API key"); process.exit(3)'],
        },
      },
      gateway: { connectTimeoutMs: 60_000 },
    });

    const text = errorText(await gateway.call('list_tools', { category: 'broken' }));

    expect(text).toMatch(
      /Peer "broken" is unavailable: .*Connection closed; peer stderr: boom: no API key/,
    );
    expect(gateway.app.peers.stats()).toMatchObject({ connections: 0, inFlight: 0 });
  });

  it('names gateway.connectTimeoutMs when a peer never answers initialize, and ends its process', async () => {
    const marker = `x-server-hang-${process.pid}-${Date.now()}`;
    gateway = await startGateway({
      builtins: [],
      peers: {
        silent: { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)', marker] },
      },
      gateway: { connectTimeoutMs: 300 },
    });

    const text = errorText(await gateway.call('list_tools', { category: 'silent' }));

    expect(text).toMatch(
      /Peer "silent" is unavailable: no connection within 300 ms \(gateway\.connectTimeoutMs\): the peer did not start or did not answer initialize/,
    );
    await expect.poll(() => processesWith(marker), { timeout: 10_000 }).toEqual([]);
  });

  it('ends shutdown within the grace period plus the margin, killing a peer that ignores its closed stdin and SIGTERM, with its listing in flight', async () => {
    // A 2025-era peer: refuses the version probe, answers initialize, never answers tools/list,
    // ignores SIGTERM, outlives its stdin.
    const stubborn = [
      "process.on('SIGTERM', () => {});",
      'setInterval(() => {}, 1000);',
      "let buf = '';",
      "process.stdin.on('data', (chunk) => {",
      '  buf += chunk;',
      '  let i;',
      "  while ((i = buf.indexOf('\\n')) >= 0) {",
      '    const line = buf.slice(0, i);',
      '    buf = buf.slice(i + 1);',
      '    if (!line.trim()) continue;',
      '    const m = JSON.parse(line);',
      "    if (m.method === 'initialize') {",
      '      const result = { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} },',
      "        serverInfo: { name: 'stubborn', version: '1.0.0' } };",
      "      process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }) + '\\n');",
      "    } else if (m.method === 'server/discover') {",
      "      const error = { code: -32601, message: 'Method not found' };",
      "      process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, error }) + '\\n');",
      '    }',
      '  }',
      '});',
    ].join('\n');
    gateway = await startGateway({
      builtins: [],
      shutdownGraceMs: 200,
      peers: { stubborn: { command: process.execPath, args: ['-e', stubborn], timeoutMs: 60_000 } },
    });
    const listing = gateway.call('list_tools', { category: 'stubborn' });
    await expect.poll(() => gateway!.app.peers.processIds()).toHaveLength(1);
    const [pid] = gateway.app.peers.processIds();
    expect(isAlive(pid!)).toBe(true);

    await gateway.app.close();

    expect(errorText(await listing)).toMatch(/shutdown grace period/);
    await expect.poll(() => isAlive(pid!)).toBe(false);
    expect(gateway.app.peers.stats()).toMatchObject({ connections: 0, inFlight: 0 });
  });

  it('keeps state in one memory-server process across calls (uncached by config)', async () => {
    const file = join(await workdir(), 'memory.jsonl');
    gateway = await startGateway({
      builtins: [],
      peers: {
        memory: {
          command: process.execPath,
          args: [MEMORY_BIN],
          env: { MEMORY_FILE_PATH: file },
          cache: false,
        },
      },
    });

    ok(
      await gateway.call('dispatch', {
        category: 'memory',
        tool: 'create_entities',
        params: {
          entities: [{ name: 'x-server', entityType: 'project', observations: ['a gateway'] }],
        },
      }),
    );
    const graph = ok<{ result: { entities: { name: string }[] } }>(
      await gateway.call('dispatch', { category: 'memory', tool: 'read_graph', params: {} }),
    );

    expect(graph.result.entities.map((entity) => entity.name)).toEqual(['x-server']);
  });
});

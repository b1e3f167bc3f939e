import {
  type CallToolResult,
  Client,
  InMemoryTransport,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBackends } from '../src/backends/index.js';
import type { XServerConfigInput } from '../src/config/index.js';
import type { PeerTransportFactory } from '../src/peers/connection.js';
import { XServer } from '../src/server.js';
import { startGateway } from './gateway-helpers.js';
import {
  closeAfterTest,
  errorText,
  MODERN,
  ok,
  startHttp,
  testConfig,
  workdir,
} from './helpers.js';

// Edge cases of direct exposure on in-memory SDK 2 peers (served by serveStdio, either era):
// collisions, tool names MCP forbids, tool errors, audio, the breaker, tools/list_changed.

const TINY_WAV = Buffer.from('RIFF----WAVEfmt ').toString('base64');

/** An SDK 2 peer with the given tool names, each answering `<name> ran`. */
function peerServer(names: string[]) {
  const server = new McpServer({ name: 'memory-peer', version: '1.0.0' });
  for (const name of names) {
    server.registerTool(name, { description: `The ${name} tool` }, () => ({
      content: [{ type: 'text', text: `${name} ran` }],
    }));
  }
  return server;
}

/** Peers by name, each an SDK 2 McpServer in memory; `servers` holds the connected instances. */
function memoryPeers(tools: Record<string, string[]>, special?: (server: McpServer) => void) {
  const servers: McpServer[] = [];
  const transport: PeerTransportFactory = async (peer) => {
    const [ours, theirs] = InMemoryTransport.createLinkedPair();
    serveStdio(
      () => {
        const server = peerServer(tools[peer] ?? []);
        special?.(server);
        servers.push(server);
        return server;
      },
      { transport: theirs },
    );
    return { transport: ours };
  };
  return { transport, servers };
}

const unused = (expose: 'meta' | 'direct' | 'both', prefix?: string) => ({
  url: 'http://127.0.0.1:9/in-memory',
  expose,
  ...(prefix === undefined ? {} : { prefix }),
});

async function xserver(input: XServerConfigInput, peerTransport?: PeerTransportFactory) {
  const config = await testConfig(await workdir(), {
    builtins: [],
    cache: { disk: false },
    ...input,
  });
  const lines: string[] = [];
  const app = new XServer({
    config,
    backends: await createBackends(config),
    ...(peerTransport ? { peerTransport } : {}),
    log: (line) => lines.push(line),
  });
  closeAfterTest(() => app.close());
  return { app, lines };
}

describe('direct exposure: name collisions', () => {
  it('refuses two direct peers with the same prefix, naming both', async () => {
    const build = xserver({
      peers: {
        one: unused('direct', 'p_'),
        two: unused('both', 'p_'),
        three: unused('meta', 'p_'),
      },
    });

    await expect(build).rejects.toThrow(
      'Invalid configuration (config) at "peers.two.prefix": peers "one" and "two" both expose their tools directly with the prefix "p_"',
    );
  });

  it('refuses two direct peers that both have the empty prefix', async () => {
    await expect(
      xserver({ peers: { one: unused('direct', ''), two: unused('direct', '') } }),
    ).rejects.toThrow(/peers "one" and "two" both expose their tools directly with the prefix ""/);
  });

  it('keeps the earlier peer of two whose prefixed names meet, and says so in the log and server_stats', async () => {
    const peers = memoryPeers({ first: ['b_x', 'only_first'], second: ['x', 'y'] });
    const { app, lines } = await xserver(
      { peers: { first: unused('direct', 'a_'), second: unused('direct', 'a_b_') } },
      peers.transport,
    );
    const gateway = await startGatewayOn(app);

    const names = (await gateway.listTools()).tools.map((tool) => tool.name);
    const answer = (await gateway.callTool({ name: 'a_b_x', arguments: {} })) as CallToolResult;

    expect(names.filter((name) => name.startsWith('a_'))).toEqual([
      'a_b_x',
      'a_only_first',
      'a_b_y',
    ]);
    expect(answer.content).toEqual([{ type: 'text', text: 'b_x ran' }]);
    const problem =
      'tool "x" of peer "second" exposed as "a_b_x" collides with tool "b_x" of peer "first", which keeps the name: it is not served directly; set peers.second.prefix';
    expect(lines).toContain(problem);
    expect((app.stats().exposure as { notServed: string[] }).notServed).toEqual([problem]);
  });

  it("leaves out a peer's tool named like a meta-tool: a second x-server with the empty prefix", async () => {
    const peer = await startHttp({ builtins: ['text'] });
    const { app, lines } = await xserver({
      peers: { inner: { url: peer.url, expose: 'direct', prefix: '' } },
    });
    const gateway = await startGatewayOn(app);

    const names = (await gateway.listTools()).tools.map((tool) => tool.name);
    const stats = ok<{ stats: { exposure: { notServed: string[]; tools: number } } }>(
      await gateway.callTool({ name: 'server_stats', arguments: {} }),
    ).stats.exposure;

    // Every tool of the inner x-server is a meta-tool's name: none is served directly.
    expect(names).toEqual([...new Set(names)]);
    expect(stats.tools).toBe(0);
    expect(stats.notServed).toContain(
      'tool "dispatch" of peer "inner" exposed as "dispatch" is the name of x-server\'s own meta-tool "dispatch": it is not served directly; set peers.inner.prefix',
    );
    expect(lines).toEqual(stats.notServed);
    // The meta-tool keeps its name: dispatch is still x-server's own.
    const own = await gateway.callTool({
      name: 'dispatch',
      arguments: { category: 'inner', tool: 'x' },
    });
    expect(errorText(own)).toMatch(/^\[UNKNOWN_CATEGORY\]/);
  });

  it('leaves out a tool whose prefixed name MCP does not allow', async () => {
    const peers = memoryPeers({ odd: ['fine', 'has space', 'x'.repeat(125)] });
    const { app, lines } = await xserver(
      { peers: { odd: unused('direct', 'odd__') } },
      peers.transport,
    );
    const gateway = await startGatewayOn(app);

    const names = (await gateway.listTools()).tools.map((tool) => tool.name);

    expect(names.filter((name) => name.startsWith('odd__'))).toEqual(['odd__fine']);
    expect(lines).toEqual([
      'tool "has space" of peer "odd" exposed as "odd__has space" is not a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .): it is not served directly; set peers.odd.prefix',
      `tool "${'x'.repeat(125)}" of peer "odd" exposed as "odd__${'x'.repeat(125)}" is not a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .): it is not served directly; set peers.odd.prefix`,
    ]);
  });
});

/** A 2.x client (2025 era) on an in-memory transport to `app`. */
async function startGatewayOn(app: XServer): Promise<Client> {
  const server = app.createMcpServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'exposure-test', version: '1.0.0' });
  closeAfterTest(async () => {
    await client.close();
    await server.close();
  });
  await client.connect(clientSide);
  return client;
}

describe("direct exposure: the peer's answers", () => {
  const special = (server: McpServer) => {
    server.registerTool(
      'refuse',
      { description: 'A tool error', inputSchema: z.object({ n: z.number() }) },
      () => ({
        isError: true,
        content: [
          { type: 'text', text: 'no, never' },
          { type: 'resource_link', uri: 'file:///why.txt', name: 'why' },
        ],
      }),
    );
    server.registerTool('sound', { description: 'Audio and an embedded resource' }, () => ({
      content: [
        { type: 'audio', data: TINY_WAV, mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'memo://one', mimeType: 'text/plain', text: 'one' } },
      ],
    }));
    server.registerTool(
      'slow',
      { description: 'Never answers in time' },
      () => new Promise(() => {}),
    );
  };

  it('answers a peer tool error as the peer sent it (isError, its blocks), without counting it against the breaker', async () => {
    const peers = memoryPeers({ mem: [] }, special);
    const gateway = await startGateway(
      { builtins: [], breaker: { failureThreshold: 1 }, peers: { mem: unused('direct') } },
      { peerTransport: peers.transport },
    );
    closeAfterTest(() => gateway.close());

    const first = await gateway.call('mem__refuse', { n: 1 });
    const second = await gateway.call('mem__refuse', { n: 2 });

    expect(second).toEqual({
      isError: true,
      content: [
        { type: 'text', text: 'no, never' },
        { type: 'resource_link', uri: 'file:///why.txt', name: 'why' },
      ],
    });
    expect(first).toEqual(second);
    expect(gateway.guard.states()).toEqual({ mem: 'closed' });
  });

  it('passes audio and embedded resources on unchanged', async () => {
    const peers = memoryPeers({ mem: [] }, special);
    const gateway = await startGateway(
      { builtins: [], peers: { mem: unused('both') } },
      { peerTransport: peers.transport },
    );
    closeAfterTest(() => gateway.close());

    const answer = await gateway.call('mem__sound');

    expect(answer).toEqual({
      content: [
        { type: 'audio', data: TINY_WAV, mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'memo://one', mimeType: 'text/plain', text: 'one' } },
      ],
    });
  });

  it("guards direct calls with the peer's breaker: a timeout opens it, the next direct call is refused", async () => {
    const peers = memoryPeers({ mem: [] }, special);
    const gateway = await startGateway(
      {
        builtins: [],
        breaker: { failureThreshold: 1 },
        peers: { mem: { ...unused('direct'), timeoutMs: 50 } },
      },
      { peerTransport: peers.transport },
    );
    closeAfterTest(() => gateway.close());

    const timedOut = errorText(await gateway.call('mem__slow'));
    const refused = errorText(await gateway.call('mem__sound'));

    expect(timedOut).toMatch(/^\[PEER_TIMEOUT\] Peer "mem" did not answer slow within 50 ms/);
    expect(refused).toMatch(/^\[CIRCUIT_OPEN\]/);
    expect(gateway.guard.states()).toEqual({ mem: 'open' });
  });
});

describe('direct exposure: tools/list_changed', () => {
  /** A 2025-era client of a gateway with one direct peer, counting its tools/list_changed. */
  async function watchedGateway() {
    const peers = memoryPeers({ mem: ['a'] });
    const gateway = await startGateway(
      { builtins: [], peers: { mem: unused('direct') } },
      { peerTransport: peers.transport },
      'legacy',
    );
    closeAfterTest(() => gateway.close());
    let count = 0;
    gateway.client.setNotificationHandler('notifications/tools/list_changed', () => {
      count++;
    });
    return { peers, gateway, changed: () => count };
  }

  it("tells a 2025-era client when a direct peer's tools change, and lists the new tool", async () => {
    const { peers, gateway, changed } = await watchedGateway();
    const before = (await gateway.client.listTools()).tools.map((tool) => tool.name);

    peers.servers[0]!.registerTool('late', { description: 'Added later' }, () => ({
      content: [{ type: 'text', text: 'late ran' }],
    }));
    await expect.poll(changed).toBe(1);
    const after = (await gateway.client.listTools()).tools.map((tool) => tool.name);

    expect(before.filter((name) => name.startsWith('mem__'))).toEqual(['mem__a']);
    expect(after.filter((name) => name.startsWith('mem__'))).toEqual(['mem__a', 'mem__late']);
  });

  it('tells a client once when a direct peer changes its tools several times in one burst', async () => {
    const { peers, gateway, changed } = await watchedGateway();
    await gateway.client.listTools();
    // A peer registering its tools one by one as it starts: one list_changed each.
    const added = ['b', 'c', 'd', 'e', 'f'];
    for (const name of added) {
      peers.servers[0]!.registerTool(name, { description: `Tool ${name}` }, () => ({
        content: [{ type: 'text', text: name }],
      }));
    }
    await expect
      .poll(async () => (await gateway.client.listTools()).tools.map((tool) => tool.name))
      .toEqual(expect.arrayContaining(added.map((name) => `mem__${name}`)));
    await expect.poll(changed).toBe(1);
    // Later turns of the event loop bring no more: the burst was told once.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    await gateway.client.listTools();
    expect(changed()).toBe(1);
  });

  it("tells a 2026-07-28 client on subscriptions/listen when a direct peer's tools change", async () => {
    const peers = memoryPeers({ mem: ['a'] });
    const config = await testConfig(await workdir(), {
      builtins: [],
      cache: { disk: false },
      peers: { mem: unused('both') },
    });
    const app = await XServer.create({ config, peerTransport: peers.transport });
    closeAfterTest(() => app.close());
    const { url } = await app.serveHttp();
    const client = new Client(
      { name: 'listener', version: '1.0.0' },
      { versionNegotiation: { mode: MODERN } },
    );
    closeAfterTest(() => client.close());
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed++;
    });
    const subscription = await client.listen({ toolsListChanged: true });
    closeAfterTest(() => subscription.close());
    const first = await client.listTools();
    // The list follows the peers': no promise that it stays (without direct peers: 1 h).
    expect(first).toMatchObject({ ttlMs: 0, cacheScope: 'public' });

    peers.servers[0]!.registerTool('late', { description: 'Added later' }, () => ({
      content: [{ type: 'text', text: 'late ran' }],
    }));

    await expect.poll(() => changed).toBe(1);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names.filter((name) => name.startsWith('mem__'))).toEqual(['mem__a', 'mem__late']);
  });
});

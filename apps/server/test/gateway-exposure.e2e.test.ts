import {
  type CallToolResult,
  Client,
  StreamableHTTPClientTransport,
  type Tool,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING_BIN } from './gateway-helpers.js';
import { connectHttp, errorText, type HttpHarness, MODERN, ok, startHttp } from './helpers.js';

// x-server in front of two real servers nobody here wrote: server-everything over stdio and a
// second x-server over Streamable HTTP. The same tools/list entries and the same call results
// directly (client -> peer) and through x-server, per exposure, in both protocol eras.

const everything = { command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] };
const ERAS: { era: string; mode: VersionNegotiationMode }[] = [
  { era: '2025-11-25', mode: 'legacy' },
  { era: '2026-07-28', mode: MODERN },
];
/**
 * What x-server declares to its peers (the requests it relays to its own client): a direct
 * client declares the same, so server-everything lists the same tools to both.
 */
const PEER_CLIENT_CAPABILITIES = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: {},
};

/** The server_stats fields read here. */
interface Stats {
  exposure: { calls: Record<string, number>; peers: string[]; notServed: string[] };
  cache: { hits: number };
  peers: { calls: number };
  breakers: Record<string, string>;
  telemetry: { recorded: number };
}

interface Gateway {
  app: HttpHarness['app'];
  url: string;
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

/** Calls of server-everything covering every content type it answers with. */
const EVERYTHING_CALLS: [string, Record<string, unknown>][] = [
  ['echo', { message: 'hello through the gateway' }],
  ['get-sum', { a: 2, b: 40 }],
  ['get-tiny-image', {}],
  ['get-annotated-message', { messageType: 'error', includeImage: true }],
  ['get-resource-links', { count: 3 }],
  ['get-resource-reference', { resourceType: 'Blob', resourceId: 2 }],
  ['get-structured-content', { location: 'Chicago' }],
];

/** A client straight to the peer: server-everything (2025 only: `auto` falls back) or x-server. */
async function directClient(peer: 'everything' | 'xs', url: string, mode: VersionNegotiationMode) {
  const client = new Client(
    { name: 'direct', version: '1.0.0' },
    {
      versionNegotiation: { mode: peer === 'everything' ? 'auto' : mode },
      capabilities: PEER_CLIENT_CAPABILITIES,
    },
  );
  await client.connect(
    peer === 'everything'
      ? new StdioClientTransport({ ...everything, stderr: 'pipe' })
      : new StreamableHTTPClientTransport(new URL(url)),
  );
  return client;
}

/** A call's answer as a client compares it: content, structured content, isError. */
function answer(result: unknown) {
  const { content, structuredContent, isError } = result as CallToolResult;
  return { content, structuredContent, isError: isError ?? false };
}

describe.each(ERAS)('x-server fronting real servers, the client in $era', ({ mode }) => {
  let peerServer: HttpHarness;
  const direct: Record<'everything' | 'xs', { tools: Tool[]; client: Client }> = {} as never;
  /** The meta-tools, as x-server lists them (the peer x-server is one). */
  let META_TOOLS: string[];

  beforeAll(async () => {
    peerServer = await startHttp({ builtins: ['text', 'time'] });
    for (const peer of ['everything', 'xs'] as const) {
      const client = await directClient(peer, peerServer.url, mode);
      direct[peer] = { client, tools: (await client.listTools()).tools };
    }
    META_TOOLS = direct.xs.tools.map((tool) => tool.name);
  });

  afterAll(async () => {
    for (const { client } of Object.values(direct)) await client.close();
    await peerServer.close();
  });

  /** x-server over HTTP fronting both peers, and a client of this era (both closed after the test). */
  async function start(
    expose: 'meta' | 'direct' | 'both',
    extra: Record<string, unknown> = {},
  ): Promise<Gateway> {
    const server = await startHttp({
      builtins: [],
      peers: {
        everything: { ...everything, expose, ...extra },
        xs: { url: peerServer.url, expose, prefix: 'xs_' },
      },
    });
    const client = await connectHttp(server.url, {}, mode);
    return {
      app: server.app,
      url: server.url,
      client,
      call: async (name, args = {}) =>
        (await client.callTool({ name, arguments: args })) as CallToolResult,
    };
  }

  const names = async (gateway: Gateway) =>
    (await gateway.client.listTools()).tools.map((tool) => tool.name);

  describe.each(['direct', 'both'] as const)('expose: %s', (expose) => {
    it("lists each peer's tools under its prefix, every other field as the peer lists it", async () => {
      const gateway = await start(expose);

      const { tools } = await gateway.client.listTools();

      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      for (const [peer, prefix] of [
        ['everything', 'everything__'],
        ['xs', 'xs_'],
      ] as const) {
        expect(direct[peer].tools.length).toBeGreaterThan(5);
        for (const tool of direct[peer].tools) {
          // server-everything speaks 2025 only: for a 2026-07-28 client its entry loses the
          // 2025 task field `execution`, which that revision does not have (the SDK's codec).
          const { execution: _, ...modern } = tool;
          expect(byName.get(`${prefix}${tool.name}`)).toEqual({
            ...(mode === 'legacy' ? tool : modern),
            name: `${prefix}${tool.name}`,
          });
        }
      }
      expect(tools.map((tool) => tool.name)).toEqual([
        ...META_TOOLS,
        ...direct.everything.tools.map((tool) => `everything__${tool.name}`),
        ...direct.xs.tools.map((tool) => `xs_${tool.name}`),
      ]);
    });

    it('answers each call as the peer answers it: text, image, annotations, resource links, embedded resources, structured content', async () => {
      const gateway = await start(expose);

      for (const [tool, args] of EVERYTHING_CALLS) {
        const expected = answer(
          await direct.everything.client.callTool({ name: tool, arguments: args }),
        );
        const through = answer(await gateway.call(`everything__${tool}`, args));
        expect(through, tool).toEqual(expected);
      }
      const xsArgs = { category: 'text' };
      const expected = answer(
        await direct.xs.client.callTool({ name: 'list_tools', arguments: xsArgs }),
      );
      expect(answer(await gateway.call('xs_list_tools', xsArgs))).toEqual(expected);
    });

    it('runs a direct call through the pipeline: recorded, cached, breaker-guarded (server_stats)', async () => {
      const gateway = await start(expose);
      const args = { message: 'twice' };

      const first = await gateway.call('everything__echo', args);
      const second = await gateway.call('everything__echo', args);

      expect(second).toEqual(first);
      const { stats } = ok<{ stats: Stats }>(await gateway.call('server_stats'));
      // echo is read-only and idempotent: the repeat is served from the cache, not the peer.
      expect(stats.exposure.calls).toMatchObject({ calls: 2, succeeded: 2, cacheHits: 1 });
      expect(stats.cache.hits).toBeGreaterThanOrEqual(1);
      expect(stats.peers.calls).toBe(1);
      expect(stats.breakers).toMatchObject({ everything: 'closed' });
      expect(stats.telemetry.recorded).toBeGreaterThanOrEqual(2);
      expect(stats.exposure).toMatchObject({ peers: ['everything', 'xs'], notServed: [] });
    });

    it('answers a tool no peer has with the unknown-tool error', async () => {
      const gateway = await start(expose);
      await gateway.client.listTools();

      await expect(gateway.call('everything__no-such-tool')).rejects.toThrow(
        /Unknown tool "everything__no-such-tool"/,
      );
    });
  });

  it('expose: direct keeps the peers out of the catalog meta-tools and dispatch', async () => {
    const gateway = await start('direct');

    const categories = ok<{ categories: { name: string }[] }>(
      await gateway.call('list_categories'),
    );
    const dispatched = errorText(
      await gateway.call('dispatch', {
        category: 'everything',
        tool: 'echo',
        params: { message: 'x' },
      }),
    );

    expect(categories.categories).toEqual([]);
    expect(dispatched).toMatch(/^\[UNKNOWN_CATEGORY\]/);
  });

  it('expose: both serves the same tool by dispatch and directly, from one listing of the peer', async () => {
    const gateway = await start('both');

    const byDispatch = await gateway.call('dispatch', {
      category: 'everything',
      tool: 'get-tiny-image',
      params: {},
    });
    const byName = await gateway.call('everything__get-tiny-image');

    expect(byName.content).toEqual(byDispatch.content);
    // The second call is a cache hit of the first: one pipeline, one cache key.
    expect(gateway.app.peers.stats().calls).toBe(1);
    const categories = ok<{ categories: { name: string }[] }>(
      await gateway.call('list_categories'),
    );
    expect(categories.categories.map((category) => category.name)).toEqual(['everything', 'xs']);
  });

  it("expose: meta (the default) lists only the meta-tools and answers dispatch with the peer's content", async () => {
    const gateway = await start('meta');

    const listed = await names(gateway);
    const byDispatch = await gateway.call('dispatch', {
      category: 'everything',
      tool: 'get-annotated-message',
      params: { messageType: 'success', includeImage: true },
    });
    const expected = await direct.everything.client.callTool({
      name: 'get-annotated-message',
      arguments: { messageType: 'success', includeImage: true },
    });

    expect(listed).toEqual(META_TOOLS);
    expect(byDispatch.content).toEqual(expected.content);
    await expect(gateway.call('everything__echo', { message: 'x' })).rejects.toThrow(
      /Unknown tool/,
    );
  });

  it("relays the peer's sampling request during a direct call to the calling client, as directly", async () => {
    const gateway = await start('direct');
    /** A client that answers sampling, connected to `transport`; its answer to the call. */
    const sampled = async (transport: StdioClientTransport | StreamableHTTPClientTransport) => {
      const client = new Client(
        { name: 'sampling-client', version: '1.0.0' },
        {
          capabilities: PEER_CLIENT_CAPABILITIES,
          versionNegotiation: { mode: transport instanceof StdioClientTransport ? 'auto' : mode },
        },
      );
      const asked: string[] = [];
      client.setRequestHandler('sampling/createMessage', (request) => {
        asked.push(request.method);
        return {
          role: 'assistant',
          content: { type: 'text', text: 'a sampled answer' },
          model: 'test-model',
          stopReason: 'endTurn',
        };
      });
      client.setRequestHandler('elicitation/create', () => ({ action: 'decline' }));
      client.setRequestHandler('roots/list', () => ({ roots: [] }));
      try {
        await client.connect(transport);
        const name = transport instanceof StdioClientTransport ? '' : 'everything__';
        const result = await client.callTool({
          name: `${name}trigger-sampling-request`,
          arguments: { prompt: 'Say hi', maxTokens: 7 },
        });
        return { asked, result: answer(result) };
      } finally {
        await client.close();
      }
    };

    const expected = await sampled(new StdioClientTransport({ ...everything, stderr: 'pipe' }));
    const through = await sampled(new StreamableHTTPClientTransport(new URL(gateway.url)));

    expect(through.asked).toEqual(['sampling/createMessage']);
    expect(through.result).toEqual(expected.result);
    expect(JSON.stringify(through.result.content)).toContain('a sampled answer');
  });

  it('answers a direct call whose peer dies mid-request with PEER_DISCONNECTED, and the next call reconnects', async () => {
    const gateway = await start('direct');
    const pending = gateway.call('everything__trigger-long-running-operation', {
      duration: 30,
      steps: 30,
    });
    // The first call starts the peer (a child process): on a busy machine that takes seconds.
    await expect.poll(() => gateway.app.peers.stats().inFlight, { timeout: 20_000 }).toBe(1);
    const [pid] = gateway.app.peers.processIds();

    process.kill(pid!, 'SIGKILL');
    const answer = await pending;
    const again = await gateway.call('everything__echo', { message: 'back' });

    expect(errorText(answer)).toMatch(
      /^\[PEER_DISCONNECTED\] The connection to peer "everything" was lost during the call to trigger-long-running-operation \(.*\)\. The call may or may not have taken effect; the next call reconnects\.$/,
    );
    expect(again.isError).toBeFalsy();
    expect(gateway.app.peers.processIds()).not.toContain(pid);
  });

  describe.each(['meta', 'direct', 'both'] as const)(
    'tools.allow / tools.deny, expose: %s',
    (expose) => {
      const filter = { tools: { allow: ['get-*', 'echo'], deny: ['get-env', 'get-resource-*'] } };
      // get-roots-list: server-everything lists it to clients declaring roots, as x-server does.
      const kept = [
        'echo',
        'get-annotated-message',
        'get-roots-list',
        'get-structured-content',
        'get-sum',
        'get-tiny-image',
      ];

      it('hides the filtered tools from every listing and answers a call of one as of a tool that does not exist', async () => {
        const gateway = await start(expose, filter);
        const catalog = expose !== 'direct';
        const listed = (await names(gateway)).filter((name) => name.startsWith('everything__'));

        expect(listed.map((name) => name.slice('everything__'.length)).sort()).toEqual(
          expose === 'meta' ? [] : kept,
        );
        if (catalog) {
          const tools = ok<{ tools: { name: string }[] }>(
            await gateway.call('list_tools', { category: 'everything' }),
          );
          const found = ok<{ hits: { tool: string }[] }>(
            await gateway.call('search_tools', { query: 'environment variables env' }),
          );
          const schema = errorText(
            await gateway.call('get_tool_schema', { category: 'everything', tool: 'get-env' }),
          );
          const denied = errorText(
            await gateway.call('dispatch', { category: 'everything', tool: 'get-env' }),
          );
          const missing = errorText(
            await gateway.call('dispatch', { category: 'everything', tool: 'no-such-tool' }),
          );
          expect(tools.tools.map((tool) => tool.name).sort()).toEqual(kept);
          expect(found.hits.map((hit) => hit.tool)).not.toContain('get-env');
          expect(schema).toMatch(/^\[UNKNOWN_TOOL\] Unknown tool "get-env"/);
          expect(denied).toBe(missing.replaceAll('no-such-tool', 'get-env'));
        } else {
          await expect(gateway.call('everything__get-env')).rejects.toThrow(
            /Unknown tool "everything__get-env"/,
          );
        }
        expect(gateway.app.peers.stats().calls).toBe(0);
      });
    },
  );
});

import { InMemoryTransport } from '@modelcontextprotocol/client';
import { InMemoryTransport as InMemoryTransport1 } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer as McpServer1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { inputRequired, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { PeerTransportFactory } from '../src/peers/connection.js';
import { type Gateway, startGateway } from './gateway-helpers.js';
import { errorText, ok } from './helpers.js';

interface Seen {
  cancelled: number;
  calls: number;
  /** The `_meta` of each `meta` call. */
  metas: Record<string, unknown>[];
}

type Text = { type: 'text'; text: string };
const text = (value: string): { content: Text[] } => ({ content: [{ type: 'text', text: value }] });

/**
 * A peer built on the SDK's own McpServer, reached over an in-memory transport: the protocol is
 * real, and the test can watch what the peer sees (cancellation, `_meta`) and change its tools.
 * SDK 2 (`@modelcontextprotocol/server`) negotiates 2026-07-28 with the gateway; SDK 1.x
 * (`@modelcontextprotocol/sdk`) is a 2025-era peer, kept to prove those are still reached.
 */
function sdkPeer(sdk: 1 | 2) {
  const servers: { addTool(name: string): void }[] = [];
  const seen: Seen = { cancelled: 0, calls: 0, metas: [] };
  const wait = (signal: AbortSignal) =>
    new Promise<{ content: Text[] }>((resolve) => {
      seen.calls++;
      signal.addEventListener('abort', () => {
        seen.cancelled++;
        resolve(text('stopped'));
      });
    });
  const meta = (received: Record<string, unknown> | undefined) => {
    seen.metas.push(received ?? {});
    return text('seen');
  };
  const refuse = () => ({ isError: true, content: [{ type: 'text' as const, text: 'no, never' }] });
  const late = { description: 'Added later' };
  const build2 = () => {
    const server = new McpServer({ name: 'sdk-peer', version: '2.0.0' });
    server.registerTool(
      'wait',
      {
        description: 'Waits until cancelled',
        inputSchema: z.object({}),
        annotations: { readOnlyHint: true },
      },
      (_args, ctx) => wait(ctx.mcpReq.signal),
    );
    server.registerTool(
      'refuse',
      { description: 'Always answers with a tool error', inputSchema: z.object({ n: z.number() }) },
      refuse,
    );
    server.registerTool('meta', { description: 'Notes its _meta' }, (ctx) =>
      meta(ctx.mcpReq._meta as Record<string, unknown> | undefined),
    );
    server.registerTool('ask', { description: 'Asks the client to confirm' }, () =>
      inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({
            message: 'Sure?',
            requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
          }),
        },
      }),
    );
    servers.push({ addTool: (name) => server.registerTool(name, late, () => text(name)) });
    return server;
  };
  const build1 = () => {
    const server = new McpServer1({ name: 'sdk-peer', version: '1.0.0' });
    server.registerTool(
      'wait',
      {
        description: 'Waits until cancelled',
        inputSchema: {},
        annotations: { readOnlyHint: true },
      },
      (_args, extra) => wait(extra.signal),
    );
    server.registerTool(
      'refuse',
      { description: 'Always answers with a tool error', inputSchema: { n: z.number() } },
      refuse,
    );
    server.registerTool('meta', { description: 'Notes its _meta' }, (extra) =>
      meta(extra._meta as Record<string, unknown> | undefined),
    );
    servers.push({ addTool: (name) => server.registerTool(name, late, () => text(name)) });
    return server;
  };
  const transport: PeerTransportFactory = async () => {
    if (sdk === 2) {
      const [ours, theirs] = InMemoryTransport.createLinkedPair();
      // serveStdio serves whichever era a connection opens with (a plain connect: 2025 only).
      serveStdio(build2, { transport: theirs });
      return { transport: ours };
    }
    const [ours, theirs] = InMemoryTransport1.createLinkedPair();
    await build1().connect(theirs);
    return { transport: ours as never };
  };
  return { transport, servers, seen };
}

const ERAS = [
  { sdk: 2 as const, era: '2026-07-28' },
  { sdk: 1 as const, era: '2025-11-25' },
];

describe.each(ERAS)(
  'peer protocol details (an SDK $sdk McpServer as the peer, $era)',
  ({ sdk, era }) => {
    let gateway: Gateway | undefined;

    afterEach(async () => {
      await gateway?.close();
      gateway = undefined;
    });

    const peerConfig = { sdk: { url: 'http://127.0.0.1:9/unused' } };

    it('refreshes the tool list when the peer sends notifications/tools/list_changed', async () => {
      const peer = sdkPeer(sdk);
      gateway = await startGateway(
        { builtins: [], peers: peerConfig },
        { peerTransport: peer.transport },
      );
      const before = ok<{ tools: { name: string }[] }>(
        await gateway.call('list_tools', { category: 'sdk' }),
      );

      // Registering a tool on a connected McpServer sends tools/list_changed.
      peer.servers[0]!.addTool('late');
      await expect.poll(() => gateway!.app.peers.stats().toolListChanges).toBe(1);
      const after = ok<{ tools: { name: string }[] }>(
        await gateway.call('list_tools', { category: 'sdk' }),
      );

      const tools = sdk === 2 ? ['wait', 'refuse', 'meta', 'ask'] : ['wait', 'refuse', 'meta'];
      expect(before.tools.map((tool) => tool.name)).toEqual(tools);
      expect(after.tools.map((tool) => tool.name)).toEqual([...tools, 'late']);
      expect(gateway.app.peers.stats().eras).toEqual({ sdk: era });
    });

    it('forwards the caller cancelling a call to the peer', async () => {
      const peer = sdkPeer(sdk);
      gateway = await startGateway(
        { builtins: [], peers: peerConfig },
        { peerTransport: peer.transport },
      );
      const controller = new AbortController();
      const pending = gateway.client.callTool(
        { name: 'dispatch', arguments: { category: 'sdk', tool: 'wait' } },
        { signal: controller.signal },
      );
      await expect.poll(() => peer.seen.calls).toBe(1);

      controller.abort('user gave up');

      await expect(pending).rejects.toThrow(/user gave up/);
      await expect.poll(() => peer.seen.cancelled).toBe(1);
      expect(gateway.guard.stats().failures).toBe(0);
    });

    it('answers a peer tool error as PEER_TOOL_ERROR without counting it against the breaker', async () => {
      const peer = sdkPeer(sdk);
      gateway = await startGateway(
        { builtins: [], peers: peerConfig, breaker: { failureThreshold: 1 } },
        { peerTransport: peer.transport },
      );

      const texts: string[] = [];
      for (let i = 0; i < 3; i++) {
        texts.push(
          errorText(
            await gateway.call('dispatch', { category: 'sdk', tool: 'refuse', params: { n: i } }),
          ),
        );
      }

      expect(texts[2]).toBe(
        '[PEER_TOOL_ERROR] Peer "sdk" answered refuse with an error: no, never',
      );
      expect(gateway.guard.states()).toEqual({ sdk: 'closed' });
    });

    it('fails a call the peer does not answer within timeoutMs, and cancels it on the peer', async () => {
      const peer = sdkPeer(sdk);
      gateway = await startGateway(
        { builtins: [], peers: { sdk: { ...peerConfig.sdk, timeoutMs: 50 } } },
        { peerTransport: peer.transport },
      );

      const text = errorText(await gateway.call('dispatch', { category: 'sdk', tool: 'wait' }));

      expect(text).toMatch(/^\[PEER_TIMEOUT\] Peer "sdk" did not answer wait within 50 ms/);
      await expect.poll(() => peer.seen.cancelled).toBe(1);
      expect(gateway.guard.stats().failures).toBe(1);
    });

    it('answers PEER_UNAVAILABLE when the peer cannot be reached, and loads it once it can', async () => {
      const peer = sdkPeer(sdk);
      let up = false;
      gateway = await startGateway(
        { builtins: [], peers: peerConfig, gateway: { connectTimeoutMs: 200 } },
        {
          peerTransport: (name, config) => {
            if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:9');
            return peer.transport(name, config);
          },
        },
      );

      const down = errorText(await gateway.call('list_tools', { category: 'sdk' }));
      up = true;
      await expect
        .poll(async () => !(await gateway!.call('list_tools', { category: 'sdk' })).isError, {
          timeout: 5_000,
        })
        .toBe(true);

      expect(down).toMatch(
        /^\[CATEGORY_LOAD_FAILED\] Category "sdk" failed to load: Peer "sdk" is unavailable: .*ECONNREFUSED/,
      );
    });

    it("forwards the call's traceparent and tracestate in the peer's _meta", async () => {
      const peer = sdkPeer(sdk);
      gateway = await startGateway(
        { builtins: [], peers: peerConfig },
        { peerTransport: peer.transport },
      );
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

      ok(
        await gateway.client.callTool({
          name: 'dispatch',
          arguments: { category: 'sdk', tool: 'meta' },
          _meta: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: 'vendor=1' },
        }),
      );
      ok(await gateway.call('dispatch', { category: 'sdk', tool: 'meta' }));

      const [traced, untraced] = peer.seen.metas;
      expect(traced?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(traced?.traceparent).not.toBe(`00-${traceId}-00f067aa0ba902b7-01`);
      expect(traced?.tracestate).toBe('vendor=1');
      expect(untraced).not.toHaveProperty('traceparent');
    });
  },
);

// Only the 2026-07-28 revision has input_required results: an SDK 2 peer alone.
describe('a 2026-07-28 peer asking for client input', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  const peerConfig = { sdk: { url: 'http://127.0.0.1:9/unused' } };

  it('answers a peer asking for client input (input_required) as PEER_TOOL_ERROR, not a peer failure', async () => {
    const peer = sdkPeer(2);
    gateway = await startGateway(
      { builtins: [], peers: peerConfig, breaker: { failureThreshold: 1 } },
      { peerTransport: peer.transport },
    );

    const first = errorText(await gateway.call('dispatch', { category: 'sdk', tool: 'ask' }));
    const second = errorText(await gateway.call('dispatch', { category: 'sdk', tool: 'ask' }));

    expect(first).toMatch(/^\[PEER_TOOL_ERROR\] Peer "sdk" answered ask with an error: .*confirm/);
    expect(second).toMatch(/^\[PEER_TOOL_ERROR\]/);
    expect(gateway.guard.states()).toEqual({ sdk: 'closed' });
    expect(gateway.app.peers.stats().connects).toBe(1);
  });
});

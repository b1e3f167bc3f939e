import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { PeerTransportFactory } from '../src/peers/connection.js';
import { type Gateway, startGateway } from './gateway-helpers.js';
import { errorText, ok } from './helpers.js';

/**
 * A peer built on the SDK's own McpServer, reached over an in-memory transport: the protocol is
 * real, and the test can watch what the peer sees (cancellation) and change its tools.
 */
function sdkPeer() {
  const servers: McpServer[] = [];
  const seen = { cancelled: 0, calls: 0 };
  const build = () => {
    const server = new McpServer({ name: 'sdk-peer', version: '1.0.0' });
    server.registerTool(
      'wait',
      {
        description: 'Waits until cancelled',
        inputSchema: {},
        annotations: { readOnlyHint: true },
      },
      (_args, extra) =>
        new Promise((resolve) => {
          seen.calls++;
          extra.signal.addEventListener('abort', () => {
            seen.cancelled++;
            resolve({ content: [{ type: 'text', text: 'stopped' }] });
          });
        }),
    );
    server.registerTool(
      'refuse',
      { description: 'Always answers with a tool error', inputSchema: { n: z.number() } },
      () => ({ isError: true, content: [{ type: 'text', text: 'no, never' }] }),
    );
    servers.push(server);
    return server;
  };
  const transport: PeerTransportFactory = async () => {
    const [ours, theirs] = InMemoryTransport.createLinkedPair();
    await build().connect(theirs);
    return { transport: ours };
  };
  return { transport, servers, seen };
}

describe('peer protocol details (an SDK McpServer as the peer)', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  const peerConfig = { sdk: { url: 'http://127.0.0.1:9/unused' } };

  it('refreshes the tool list when the peer sends notifications/tools/list_changed', async () => {
    const peer = sdkPeer();
    gateway = await startGateway(
      { builtins: [], peers: peerConfig },
      { peerTransport: peer.transport },
    );
    const before = ok<{ tools: { name: string }[] }>(
      await gateway.call('list_tools', { category: 'sdk' }),
    );

    // Registering a tool on a connected McpServer sends tools/list_changed.
    peer.servers[0]!.registerTool('late', { description: 'Added later' }, () => ({
      content: [{ type: 'text', text: 'late' }],
    }));
    await expect.poll(() => gateway!.app.peers.stats().toolListChanges).toBe(1);
    const after = ok<{ tools: { name: string }[] }>(
      await gateway.call('list_tools', { category: 'sdk' }),
    );

    expect(before.tools.map((tool) => tool.name)).toEqual(['wait', 'refuse']);
    expect(after.tools.map((tool) => tool.name)).toEqual(['wait', 'refuse', 'late']);
  });

  it('forwards the caller cancelling a call to the peer', async () => {
    const peer = sdkPeer();
    gateway = await startGateway(
      { builtins: [], peers: peerConfig },
      { peerTransport: peer.transport },
    );
    const controller = new AbortController();
    const pending = gateway.client.callTool(
      { name: 'dispatch', arguments: { category: 'sdk', tool: 'wait' } },
      undefined,
      { signal: controller.signal },
    );
    await expect.poll(() => peer.seen.calls).toBe(1);

    controller.abort('user gave up');

    await expect(pending).rejects.toThrow(/user gave up/);
    await expect.poll(() => peer.seen.cancelled).toBe(1);
    expect(gateway.guard.stats().failures).toBe(0);
  });

  it('answers a peer tool error as PEER_TOOL_ERROR without counting it against the breaker', async () => {
    const peer = sdkPeer();
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

    expect(texts[2]).toBe('[PEER_TOOL_ERROR] Peer "sdk" answered refuse with an error: no, never');
    expect(gateway.guard.states()).toEqual({ sdk: 'closed' });
  });

  it('fails a call the peer does not answer within timeoutMs, and cancels it on the peer', async () => {
    const peer = sdkPeer();
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
    const peer = sdkPeer();
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
});

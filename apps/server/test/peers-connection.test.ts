import { InMemoryTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { describe, expect, it } from 'vitest';
import type { PeerConfig } from '../src/config/index.js';
import { PeerConnection, type PeerTransportFactory } from '../src/peers/connection.js';
import { closeAfterTest } from './helpers.js';

/**
 * An SDK 2 peer in memory: `modern` serves whichever era the gateway opens with (it negotiates
 * 2026-07-28), `legacy` is connected plainly (2025 only). `methods` lists what the peer received.
 */
function peer(era: 'modern' | 'legacy') {
  const methods: string[] = [];
  const transport: PeerTransportFactory = async () => {
    const [ours, theirs] = InMemoryTransport.createLinkedPair();
    const send = ours.send.bind(ours);
    ours.send = (message: JSONRPCMessage, options) => {
      if ('method' in message) methods.push(message.method);
      return send(message, options);
    };
    const build = () => new McpServer({ name: 'peer', version: '1.0.0' });
    if (era === 'modern') serveStdio(build, { transport: theirs });
    else await build().connect(theirs);
    return { transport: ours };
  };
  return { transport, methods };
}

async function open(transport: PeerTransportFactory, now: () => number) {
  const connection = await PeerConnection.open({
    peer: 'p',
    config: { url: 'http://127.0.0.1:9/unused' } as PeerConfig,
    clientInfo: { name: 'x-server-test', version: '1.0.0' },
    transport,
    connectTimeoutMs: 5_000,
    onToolsChanged: () => {},
    now,
  });
  closeAfterTest(() => connection.close());
  return connection;
}

describe('a pooled peer connection checked before reuse, in both eras', () => {
  it.each([
    { era: 'legacy' as const, version: '2025-11-25', check: 'ping' },
    { era: 'modern' as const, version: '2026-07-28', check: 'server/discover' },
  ])('a quiet $era connection answers $check and stays in use', async ({ era, version, check }) => {
    let clock = 0;
    const { transport, methods } = peer(era);
    const connection = await open(transport, () => clock);
    const connected = methods.length;

    const busyEnough = await connection.healthy(30_000, 1_000);
    clock += 60_000;
    const afterQuiet = await connection.healthy(30_000, 1_000);

    expect(connection.protocolVersion).toBe(version);
    expect(busyEnough).toBe(true);
    expect(afterQuiet).toBe(true);
    expect(methods.slice(connected)).toEqual([check]);
  });
});

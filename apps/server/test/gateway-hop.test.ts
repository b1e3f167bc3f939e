import { InMemoryTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type { PeerConfig, XServerConfig } from '../src/config/index.js';
import { isJsonRpcMessage, LineReader, MAX_LINE_CHARS } from '../src/json-rpc-lines.js';
import type { PeerTransportFactory } from '../src/peers/connection.js';
import { PeerConnections, WARM_LEND_MS } from '../src/peers/pool.js';
import { ProcessTreeTransport } from '../src/peers/process-tree.js';
import { closeAfterTest } from './helpers.js';

/** A 2025-era SDK 2 peer in memory; `methods` lists what it received, `opened` its connections. */
function memoryPeer() {
  const methods: string[] = [];
  let opened = 0;
  const transport: PeerTransportFactory = async () => {
    opened++;
    const [ours, theirs] = InMemoryTransport.createLinkedPair();
    const send = ours.send.bind(ours);
    ours.send = (message: JSONRPCMessage, options) => {
      if ('method' in message) methods.push(message.method);
      return send(message, options);
    };
    await new McpServer({ name: 'peer', version: '1.0.0' }).connect(theirs);
    return { transport: ours };
  };
  return { transport, methods, opened: () => opened };
}

const gatewaySettings = {
  connectTimeoutMs: 5_000,
  pingIntervalMs: 30_000,
  idleTimeoutMs: 300_000,
  maxConnectionsPerPeer: 1,
} as XServerConfig['gateway'];

function connectionsTo(
  transport: PeerTransportFactory,
  now: () => number,
  gateway: XServerConfig['gateway'] = gatewaySettings,
) {
  const connections = new PeerConnections({
    peers: { p: { url: 'http://127.0.0.1:9/unused', timeoutMs: 5_000 } as PeerConfig },
    gateway,
    clientInfo: { name: 'x-server-test', version: '1.0.0' },
    transport,
    onToolsChanged: () => {},
    shutdown: new AbortController().signal,
    retireGraceMs: () => 0,
    stopped: () => undefined,
    now,
  });
  closeAfterTest(async () => {
    await connections.drain(0);
    await connections.closeAll();
  });
  return connections;
}

describe('the connection a peer was lent last is lent again without the pool', () => {
  it('at once and marked busy, for WARM_LEND_MS after the pool lent it; then the pool lends it again', async () => {
    let clock = 0;
    const peer = memoryPeer();
    const connections = connectionsTo(peer.transport, () => clock);

    const beforeAny = connections.lendWarm('p');
    const pooled = await connections.borrow('p');
    pooled.end();
    const warm = connections.lendWarm('p');
    const busy = pooled.inFlight;
    warm?.end();
    clock += WARM_LEND_MS - 1;
    const stillWarm = connections.lendWarm('p');
    stillWarm?.end();
    clock += 1;
    const cooled = connections.lendWarm('p');
    const pooledAgain = await connections.borrow('p');
    pooledAgain.end();
    const warmAgain = connections.lendWarm('p');
    warmAgain?.end();

    expect(beforeAny).toBeUndefined();
    expect(warm).toBe(pooled);
    expect(busy).toBe(1);
    expect(stillWarm).toBe(pooled);
    expect(cooled).toBeUndefined();
    expect(pooledAgain).toBe(pooled);
    expect(warmAgain).toBe(pooled);
    expect(pooled.inFlight).toBe(0);
    // One connection, and the pool's checks needed no ping: it was in use all along.
    expect(peer.opened()).toBe(1);
    expect(peer.methods.filter((method) => method === 'ping')).toEqual([]);
  });

  it('never for longer than the ping interval: a quiet connection is pinged by the pool first', async () => {
    let clock = 0;
    const peer = memoryPeer();
    const connections = connectionsTo(peer.transport, () => clock, {
      ...gatewaySettings,
      pingIntervalMs: 10,
    });

    (await connections.borrow('p')).end();
    clock += 10;

    expect(connections.lendWarm('p')).toBeUndefined();
  });

  it('busy, only when it is the one connection the peer may have; else the pool decides', async () => {
    const single = connectionsTo(memoryPeer().transport, () => 0);
    const busySingle = await single.borrow('p');
    const sharedAtOnce = single.lendWarm('p');
    sharedAtOnce?.end();
    busySingle.end();

    const several = connectionsTo(memoryPeer().transport, () => 0, {
      ...gatewaySettings,
      maxConnectionsPerPeer: 2,
    });
    const busy = await several.borrow('p');
    const notLent = several.lendWarm('p');
    busy.end();
    const lentIdle = several.lendWarm('p');
    lentIdle?.end();

    expect(sharedAtOnce).toBe(busySingle);
    expect(notLent).toBeUndefined();
    expect(lentIdle).toBe(busy);
  });

  it('not once the connection broke: the pool replaces it', async () => {
    const peer = memoryPeer();
    const connections = connectionsTo(peer.transport, () => 0);

    const first = await connections.borrow('p');
    first.end();
    first.markBroken();
    const warm = connections.lendWarm('p');
    const replacement = await connections.borrow('p');
    replacement.end();

    expect(warm).toBeUndefined();
    expect(replacement).not.toBe(first);
    expect(peer.opened()).toBe(2);
    expect(connections.lendWarm('p')).toBe(replacement);
    connections.lendWarm('p')?.end();
    replacement.end();
  });

  it('not once the pool drains (shutdown): borrowing goes through the pool, which refuses', async () => {
    const peer = memoryPeer();
    const connections = connectionsTo(peer.transport, () => 0);

    (await connections.borrow('p')).end();
    const drained = connections.drain(0);

    expect(connections.lendWarm('p')).toBeUndefined();
    await expect(connections.borrow('p')).rejects.toThrow();
    await drained;
  });
});

describe("a stdio peer's lines", () => {
  it('are cut whole from chunks split anywhere, a character split across chunks included', () => {
    const reader = new LineReader();
    const bytes = new TextEncoder().encode('{"a":"é😀"}\r\n{"b":1}\n{"c"');
    const lines: string[] = [];
    // One byte at a time: every split point, inside the two multi-byte characters too.
    for (const byte of bytes) lines.push(...reader.push(Uint8Array.of(byte)));
    lines.push(...reader.push(new TextEncoder().encode(':2}\n')));

    expect(lines).toEqual(['{"a":"é😀"}', '{"b":1}', '{"c":2}']);
  });

  it('refuses a line longer than MAX_LINE_CHARS, then reads on from a clean state', () => {
    const reader = new LineReader();
    const chunk = new Uint8Array(MAX_LINE_CHARS / 4).fill(0x61);
    let error: unknown;
    let pushed = 0;
    try {
      for (; pushed < 5; pushed++) reader.push(chunk);
    } catch (caught) {
      error = caught;
    }

    expect(pushed).toBe(4);

    expect(String(error)).toContain('exceeds');
    expect(reader.push(new TextEncoder().encode('{}\n'))).toEqual(['{}']);
  });

  it('go on as JSON-RPC messages when their envelope is one; other JSON is not', () => {
    expect(isJsonRpcMessage({ jsonrpc: '2.0', id: 1, method: 'ping' })).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', id: 1, result: {} })).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } })).toBe(
      true,
    );
    expect(isJsonRpcMessage({ jsonrpc: '1.0', id: 1, result: {} })).toBe(false);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', id: 1 })).toBe(false);
    expect(isJsonRpcMessage([{ jsonrpc: '2.0', method: 'ping' }])).toBe(false);
    expect(isJsonRpcMessage('{"jsonrpc":"2.0"}')).toBe(false);
    expect(isJsonRpcMessage(null)).toBe(false);
  });
});

describe('ProcessTreeTransport', () => {
  it('sends many large messages at once in order, without piling drain listeners on the pipe, and reads them back', async () => {
    // The peer echoes its stdin, but only after a while: the pipe fills and sends wait.
    const transport = new ProcessTreeTransport({
      command: process.execPath,
      args: ['-e', 'setTimeout(() => process.stdin.pipe(process.stdout), 200)'],
    });
    closeAfterTest(() => transport.close());
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    closeAfterTest(() => process.off('warning', onWarning));
    const received: JSONRPCMessage[] = [];
    const errors: Error[] = [];
    const count = 40;
    const all = new Promise<void>((resolve) => {
      transport.onmessage = (message) => {
        received.push(message);
        if (received.length === count) resolve();
      };
    });
    transport.onerror = (error) => errors.push(error);
    await transport.start();

    const text = 'é😀'.repeat(30_000);
    const sends = Array.from({ length: count }, (_, id) =>
      transport.send({ jsonrpc: '2.0', id, method: 'echo', params: { text } }),
    );
    await Promise.all(sends);
    await all;

    expect(received.map((message) => (message as { id: number }).id)).toEqual(
      Array.from({ length: count }, (_, id) => id),
    );
    expect((received[count - 1] as unknown as { params: { text: string } }).params.text).toBe(text);
    expect(errors).toEqual([]);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it("skips a peer's stray non-JSON line and reports JSON that is not JSON-RPC", async () => {
    const transport = new ProcessTreeTransport({
      command: process.execPath,
      args: [
        '-e',
        `process.stdout.write('starting up\\n[1,2]\\n{"jsonrpc":"2.0","method":"notifications/initialized"}\\n')`,
      ],
    });
    closeAfterTest(() => transport.close());
    const received: JSONRPCMessage[] = [];
    const errors: Error[] = [];
    const closed = new Promise<void>((resolve) => {
      transport.onclose = resolve;
    });
    transport.onmessage = (message) => received.push(message);
    transport.onerror = (error) => errors.push(error);
    await transport.start();
    await closed;

    expect(received).toEqual([{ jsonrpc: '2.0', method: 'notifications/initialized' }]);
    expect(errors.map((error) => error.message)).toEqual([
      'Not a JSON-RPC message from the peer: [1,2]',
    ]);
  });
});

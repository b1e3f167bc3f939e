import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PeerConfig, XServerConfig } from '../src/config/index.js';
import { ServerClosedError } from '../src/errors.js';
import type { PeerTransportFactory } from '../src/peers/connection.js';
import { PeerGateway, SHUTDOWN_MARGIN_MS } from '../src/peers/gateway.js';
import { Counter } from './fakes.js';
import { type Gateway, startGateway } from './gateway-helpers.js';
import { errorText } from './helpers.js';

/**
 * A 2025-era peer that speaks just enough MCP by hand: it refuses the `server/discover` probe
 * (method not found), answers `initialize` (unless told to hang) and `ping`, and leaves `tools/list` and `tools/call` unanswered until the test answers them. The
 * test sees every transport it opened and whether it was closed.
 */
function stubPeer(options: { hangInitialize?: boolean } = {}) {
  const opened: { closed: boolean; received: JSONRPCMessage[] }[] = [];
  const waiting: { id: string | number; method: string; reply: (result: unknown) => void }[] = [];
  // Counted as they happen, so a test waits on the event instead of polling for it.
  const openedCount = new Counter();
  const waitingCount = new Counter();
  const transport: PeerTransportFactory = () => {
    const state = { closed: false, received: [] as JSONRPCMessage[] };
    opened.push(state);
    openedCount.bump();
    const peer: Transport = {
      async start() {},
      async send(message) {
        if (state.closed) throw new Error('stub peer: closed');
        state.received.push(message);
        if (!('method' in message) || !('id' in message)) return;
        const reply = (result: unknown) => {
          if (!state.closed)
            queueMicrotask(() =>
              peer.onmessage?.({ jsonrpc: '2.0', id: message.id, result } as JSONRPCMessage),
            );
        };
        if (message.method === 'server/discover') {
          queueMicrotask(() =>
            peer.onmessage?.({
              jsonrpc: '2.0',
              id: message.id,
              error: { code: -32601, message: 'Method not found' },
            } as JSONRPCMessage),
          );
        } else if (message.method === 'initialize') {
          if (options.hangInitialize) return;
          reply({
            protocolVersion: '2025-11-25',
            capabilities: { tools: {} },
            serverInfo: { name: 'stub-peer', version: '1.0.0' },
          });
        } else if (message.method === 'ping') reply({});
        else {
          waiting.push({ id: message.id, method: message.method, reply });
          waitingCount.bump();
        }
      },
      async close() {
        if (state.closed) return;
        state.closed = true;
        peer.onclose?.();
      },
    };
    return { transport: peer };
  };
  return { transport, opened, waiting, openedCount, waitingCount };
}

const PEER_TIMEOUT_MS = 60_000;
const GRACE_MS = 1_000;

function peerConfig(): PeerConfig {
  return {
    url: 'http://127.0.0.1:9/unused',
    timeoutMs: PEER_TIMEOUT_MS,
    headers: {},
    args: [],
    env: {},
    cacheTools: {},
    cacheTtlMs: 60_000,
  } as unknown as PeerConfig;
}

const gatewaySettings = {
  connectTimeoutMs: 30_000,
  pingIntervalMs: 30_000,
  idleTimeoutMs: 300_000,
  maxConnectionsPerPeer: 2,
} as XServerConfig['gateway'];

/** Settles `promise` into a flag the test can read while fake time stands still. */
function watch(promise: Promise<unknown>) {
  const state = { done: false };
  promise.then(
    () => {
      state.done = true;
    },
    () => {
      state.done = true;
    },
  );
  return state;
}

describe('shutdown with slow or half-open peers (fake time, stub peers)', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    vi.useRealTimers();
    await gateway?.close();
    gateway = undefined;
  });

  it("stops a list_tools still loading a peer's tools at the end of the grace period, not at the peer's timeoutMs", async () => {
    const peer = stubPeer();
    gateway = await startGateway(
      {
        builtins: [],
        shutdownGraceMs: GRACE_MS,
        peers: { stub: { url: 'http://127.0.0.1:9/unused', timeoutMs: PEER_TIMEOUT_MS } },
      },
      { peerTransport: peer.transport, monotonic: () => Date.now() },
    );
    vi.useFakeTimers();
    const listing = gateway.call('list_tools', { category: 'stub' });
    await peer.waitingCount.reached(1);
    expect(peer.waiting.map((w) => w.method)).toEqual(['tools/list']);

    const closing = watch(gateway.app.close());
    await vi.advanceTimersByTimeAsync(GRACE_MS - 1);
    expect(closing.done).toBe(false); // the listing still has its grace period
    await vi.advanceTimersByTimeAsync(1 + SHUTDOWN_MARGIN_MS);

    expect(closing.done).toBe(true);
    const answer = await listing;
    expect(answer.isError).toBe(true);
    expect(errorText(answer)).toMatch(/shutdown grace period/);
    expect(peer.opened.map((t) => t.closed)).toEqual([true]);
  });

  it('aborts a peer connection still opening at shutdown instead of waiting for connectTimeoutMs', async () => {
    const peer = stubPeer({ hangInitialize: true });
    gateway = await startGateway(
      {
        builtins: [],
        shutdownGraceMs: GRACE_MS,
        gateway: { connectTimeoutMs: 30_000 },
        peers: { stub: { url: 'http://127.0.0.1:9/unused', timeoutMs: PEER_TIMEOUT_MS } },
      },
      { peerTransport: peer.transport, monotonic: () => Date.now() },
    );
    vi.useFakeTimers();
    const listing = gateway.call('list_tools', { category: 'stub' });
    await peer.openedCount.reached(1);
    expect(peer.opened).toHaveLength(1);

    const closing = watch(gateway.app.close());
    await vi.advanceTimersByTimeAsync(GRACE_MS + SHUTDOWN_MARGIN_MS);

    expect(closing.done).toBe(true);
    const answer = await listing;
    expect(answer.isError).toBe(true);
    expect(errorText(answer)).toMatch(/shutdown grace period/);
    expect(peer.opened.every((t) => t.closed)).toBe(true);
    expect(gateway.app.peers.stats().connections).toBe(0);
  });

  it('PeerGateway.close(graceMs) lets a call finish within graceMs and stops the rest then, not at the peer timeout', async () => {
    vi.useFakeTimers();
    const peer = stubPeer();
    const peers = new PeerGateway({
      peers: { stub: peerConfig() },
      gateway: gatewaySettings,
      clientInfo: { name: 'test', version: '1.0.0' },
      transport: peer.transport,
      now: () => Date.now(),
    });
    const ctx = { signal: new AbortController().signal };
    const quick = peers.call('stub', 'quick', {}, ctx);
    const slow = peers.call('stub', 'slow', {}, ctx).catch((error: unknown) => error);
    await peer.waitingCount.reached(2);
    expect(peer.waiting).toHaveLength(2);

    const closing = watch(peers.close(500));
    // New work is refused at once.
    await expect(peers.listTools('stub')).rejects.toMatchObject({ reason: 'not-accepting' });
    await vi.advanceTimersByTimeAsync(100);
    peer.waiting[0]!.reply({ content: [], structuredContent: { ok: true } });
    await expect(quick).resolves.toEqual({ content: [], structuredContent: { ok: true } });
    await vi.advanceTimersByTimeAsync(399);
    expect(closing.done).toBe(false);
    expect(peer.opened[0]!.closed).toBe(false);

    await vi.advanceTimersByTimeAsync(1 + SHUTDOWN_MARGIN_MS);
    expect(closing.done).toBe(true);
    const stopped = await slow;
    expect(stopped).toBeInstanceOf(ServerClosedError);
    expect(stopped).toMatchObject({ reason: 'grace-ended' });
    expect(peer.opened[0]!.closed).toBe(true);
    expect(peers.stats().connections).toBe(0);
    // Idempotent.
    await peers.close(500);
  });

  it('cuts short a connection close the pool began with the longest peer timeout', async () => {
    vi.useFakeTimers();
    const peer = stubPeer();
    const peers = new PeerGateway({
      peers: { stub: peerConfig() },
      gateway: { ...gatewaySettings, idleTimeoutMs: 1_000 },
      clientInfo: { name: 'test', version: '1.0.0' },
      transport: peer.transport,
      now: () => Date.now(),
    });
    const slow = peers
      .call('stub', 'slow', {}, { signal: new AbortController().signal })
      .catch((error: unknown) => error);
    await peer.waitingCount.reached(1);
    expect(peer.waiting).toHaveLength(1);
    // The pool retires the idle connection; its close waits for the call (up to timeoutMs).
    await vi.advanceTimersByTimeAsync(10_000);
    expect(peer.opened[0]!.closed).toBe(false);

    const closing = watch(peers.close(0));
    await vi.advanceTimersByTimeAsync(SHUTDOWN_MARGIN_MS);
    expect(closing.done).toBe(true);
    expect(await slow).toMatchObject({ reason: 'grace-ended' });
    expect(peer.opened[0]!.closed).toBe(true);
  });
});

import {
  InMemoryTransport,
  type JSONRPCMessage,
  SdkError,
  SdkErrorCode,
  specTypeSchemas,
} from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ClientChannel } from '../src/catalog/index.js';
import type { PeerConfig } from '../src/config/index.js';
import { PeerDisconnectedError, PeerTimeoutError } from '../src/errors.js';
import {
  defaultPeerTransport,
  PeerConnection,
  type PeerTransportFactory,
} from '../src/peers/connection.js';
import { callPeerTool } from '../src/peers/peer-call.js';
import { translatePeerError } from '../src/peers/translate.js';
import { EVERYTHING_BIN, modernHttpPeer } from './gateway-helpers.js';
import { closeAfterTest } from './helpers.js';

type Message = Record<string, unknown>;
type Era = 'legacy' | 'modern';
/** The peer's answer to a `tools/call` with this id: a message, or `silent` for none. */
type Reply = (id: string | number) => Message | 'silent';

/**
 * A real SDK 2 peer in memory (`modern` negotiates 2026-07-28, `legacy` is 2025 only) whose
 * answers to `tools/call` the test may replace (`reply`), with what x-server sent it (`sent`).
 */
function scriptedPeer(era: Era) {
  const sent: Message[] = [];
  const calls = new Set<string | number>();
  const state: { reply?: Reply; peer?: InMemoryTransport } = {};
  const transport: PeerTransportFactory = async () => {
    const [ours, theirs] = InMemoryTransport.createLinkedPair();
    const send = ours.send.bind(ours);
    ours.send = (message, options) => {
      const m = message as Message;
      sent.push(m);
      if (m.method === 'tools/call') calls.add(m.id as string | number);
      return send(message, options);
    };
    const answer = theirs.send.bind(theirs);
    theirs.send = (message, options) => {
      const id = (message as Message).id as string | number;
      if (!('method' in message) && calls.has(id) && state.reply) {
        const reply = state.reply(id);
        if (reply === 'silent') return Promise.resolve();
        return answer(reply as JSONRPCMessage, options);
      }
      return answer(message, options);
    };
    state.peer = theirs;
    const build = () => {
      const server = new McpServer({ name: 'peer', version: '1.0.0' });
      server.registerTool('echo', { description: 'Echoes', inputSchema: z.object({}) }, () => ({
        content: [{ type: 'text', text: 'echo' }],
      }));
      return server;
    };
    if (era === 'modern') serveStdio(build, { transport: theirs });
    else await build().connect(theirs);
    return { transport: ours };
  };
  return {
    transport,
    sent,
    /** Every later `tools/call` is answered with `result` (or the error, or nothing). */
    answer(reply: Reply) {
      state.reply = reply;
    },
    /** Sends the gateway a message of the peer's own making. */
    inject(message: Message) {
      return state.peer!.send(message as JSONRPCMessage);
    },
    close: () => state.peer!.close(),
  };
}

async function open(transport: PeerTransportFactory, config: Partial<PeerConfig> = {}) {
  const connection = await PeerConnection.open({
    peer: 'p',
    config: { url: 'http://127.0.0.1:9/unused', ...config } as PeerConfig,
    clientInfo: { name: 'x-server-test', version: '1.0.0' },
    transport,
    connectTimeoutMs: 5_000,
    onToolsChanged: () => {},
  });
  closeAfterTest(() => connection.close());
  return connection;
}

/** An error as the two legs are compared: its class, code, message and data. */
function described(error: unknown) {
  const e = error as Error & { code?: unknown; data?: unknown };
  return { kind: e.constructor.name, code: e.code, message: e.message, data: e.data };
}

/** How a request settled, comparable across the two legs. */
async function outcome(request: Promise<unknown>) {
  try {
    return { value: await request };
  } catch (error) {
    return { error: described(error) };
  }
}

/** The SDK client's own `tools/call` (the reference), as requestCall sent it before. */
function sdkCall(connection: PeerConnection, era: Era, signal = neverAborted()) {
  return connection.client.request(
    { method: 'tools/call', params: { name: 'echo', arguments: {} } } as never,
    specTypeSchemas.CallToolResult as never,
    { signal, timeout: 5_000, ...(era === 'modern' ? { allowInputRequired: true } : {}) },
  );
}

function rawCall(connection: PeerConnection, signal = neverAborted(), timeout = 5_000) {
  return connection.raw!.call({ name: 'echo', arguments: {} }, { signal, timeout });
}

/** A signal nobody aborts. */
function neverAborted(): AbortSignal {
  return new AbortController().signal;
}

/** The message without its id, to compare what each leg sent. */
const withoutId = ({ id: _id, ...rest }: Message) => rest;
const cancelsOf = (sent: Message[]) =>
  sent.filter((m) => m.method === 'notifications/cancelled') as {
    params: { requestId: unknown; reason: string };
  }[];

const text = (value: string) => ({ type: 'text', text: value });

/** Results a peer may answer, each with what the SDK makes of it. */
const RESULTS: { name: string; result: (era: Era) => Message }[] = [
  {
    name: 'an ordinary result with structured content, isError and _meta',
    result: () => ({
      content: [text('a'), { type: 'text', text: 'b', _meta: { k: 1 } }],
      structuredContent: { n: 1, list: [1, 2] },
      isError: false,
      _meta: { trace: 'x', 'io.modelcontextprotocol/serverInfo': { name: 'p', version: '1' } },
      extra: { kept: true },
    }),
  },
  {
    name: 'a text block with a field the spec does not know (the SDK drops it)',
    result: () => ({ content: [{ type: 'text', text: 'a', stray: 1 }] }),
  },
  {
    name: 'an image and a resource link',
    result: () => ({
      content: [
        { type: 'image', data: 'aGVsbG8=', mimeType: 'image/png' },
        { type: 'resource_link', uri: 'file:///a', name: 'a' },
      ],
    }),
  },
  { name: 'no content', result: () => ({ structuredContent: { n: 1 } }) },
  { name: 'content that is not an array', result: () => ({ content: 'a' }) },
  { name: 'a block without its text', result: () => ({ content: [{ type: 'text' }] }) },
  { name: 'isError that is not a boolean', result: () => ({ content: [], isError: 'yes' }) },
  { name: 'non-object structured content', result: () => ({ content: [], structuredContent: 3 }) },
  {
    name: 'serverInfo with icons',
    result: () => ({
      content: [text('a')],
      _meta: {
        'io.modelcontextprotocol/serverInfo': { name: 'p', version: '1', icons: [{ src: 'x' }] },
      },
    }),
  },
  {
    name: 'serverInfo with a field the spec does not know (the SDK drops it)',
    result: () => ({
      content: [text('a')],
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'p', version: '1', stray: 1 } },
    }),
  },
  {
    name: 'serverInfo without a version (the SDK drops it)',
    result: () => ({
      content: [text('a')],
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'p' } },
    }),
  },
  { name: 'an unknown result type', result: () => ({ content: [], resultType: 'later' }) },
  { name: 'a missing result type', result: () => ({ content: [], resultType: undefined }) },
  {
    name: 'input_required',
    result: () => ({
      resultType: 'input_required',
      inputRequests: { confirm: { method: 'roots/list' } },
      requestState: 's1',
    }),
  },
];

/** A peer's wire result for the era: 2026-07-28 results name their type. */
const wire = (era: Era, result: Message) =>
  era === 'modern' && !('resultType' in result) ? { resultType: 'complete', ...result } : result;

afterEach(() => {
  vi.useRealTimers();
});

describe.each(['legacy', 'modern'] as const)('the raw tools/call leg (%s peer)', (era) => {
  it('is installed on the connection and sends what the SDK sends, under a string id', async () => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    const from = peer.sent.length;

    await sdkCall(connection, era);
    await rawCall(connection);

    const [sdk, raw] = peer.sent.slice(from) as Message[];
    expect(connection.raw).toBeDefined();
    expect(typeof sdk!.id).toBe('number');
    expect(raw!.id).toMatch(/^x-server:\d+$/);
    expect(withoutId(raw!)).toEqual(withoutId(sdk!));
    expect(JSON.stringify(withoutId(raw!))).toBe(JSON.stringify(withoutId(sdk!)));
  });

  it.each(RESULTS)('settles as the SDK does on $name', async ({ result }) => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    peer.answer((id) => ({ jsonrpc: '2.0', id, result: wire(era, result(era)) }));

    const sdk = await outcome(sdkCall(connection, era));
    const raw = await outcome(rawCall(connection));

    expect(raw).toEqual(sdk);
  });

  it('passes an ordinary result on as the peer sent it, less its result type', async () => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    const result = RESULTS[0]!.result(era);
    peer.answer((id) => ({ jsonrpc: '2.0', id, result: wire(era, result) }));

    const answer = await rawCall(connection);

    expect(answer).toEqual(result);
  });

  it.each([
    { code: -32602, message: 'Bad params', data: { field: 'n' } },
    { code: -32000, message: 'Peer broke', data: undefined },
    { code: -32602, message: 'Unknown resource', data: { uri: 'file:///x' } },
  ])('rejects a JSON-RPC error answer ($code) as the SDK does', async (error) => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    peer.answer((id) => ({ jsonrpc: '2.0', id, error }));

    const sdk = await outcome(sdkCall(connection, era));
    const raw = await outcome(rawCall(connection));

    expect(raw).toEqual(sdk);
    expect(raw.error?.code).toBe(error.code);
  });

  it('rejects an invalid result with the SdkError InvalidResult the gateway knows', async () => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    peer.answer((id) => ({ jsonrpc: '2.0', id, result: wire(era, { content: 'nope' }) }));

    const error = await rawCall(connection).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SdkError);
    expect((error as SdkError).code).toBe(SdkErrorCode.InvalidResult);
  });

  it('times out as the SDK does: notifications/cancelled to the peer, PEER_TIMEOUT', async () => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    peer.answer(() => 'silent');
    vi.useFakeTimers();

    const sdk = outcome(sdkCall(connection, era));
    const raw = rawCall(connection).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(4_999);
    const early = connection.raw!.pending;
    await vi.advanceTimersByTimeAsync(1);
    const [sdkOutcome, error] = await Promise.all([sdk, raw]);
    const translated = translatePeerError(error, {
      peer: 'p',
      tool: 'echo',
      timeoutMs: 5_000,
      connection,
      signal: neverAborted(),
    });

    const [sdkCancel, rawCancel] = cancelsOf(peer.sent);
    expect(early).toBe(1);
    expect({ error: described(error) }).toEqual(sdkOutcome);
    expect(error).toMatchObject({
      code: SdkErrorCode.RequestTimeout,
      message: 'Request timed out',
    });
    expect(rawCancel!.params.requestId).toMatch(/^x-server:/);
    expect(rawCancel!.params.reason).toBe(sdkCancel!.params.reason);
    expect(withoutId(rawCancel as never)).toMatchObject({ method: 'notifications/cancelled' });
    expect(translated).toBeInstanceOf(PeerTimeoutError);
    expect(connection.raw!.pending).toBe(0);
  });

  it("cancels on the caller's abort: notifications/cancelled with its reason, the reason kept", async () => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    peer.answer(() => 'silent');
    const sdkAbort = new AbortController();
    const rawAbort = new AbortController();

    const sdk = outcome(sdkCall(connection, era, sdkAbort.signal));
    const raw = outcome(rawCall(connection, rawAbort.signal));
    sdkAbort.abort('the client went away');
    rawAbort.abort('the client went away');
    const [sdkOutcome, rawOutcome] = await Promise.all([sdk, raw]);

    const [sdkCancel, rawCancel] = cancelsOf(peer.sent);
    expect(rawOutcome).toEqual(sdkOutcome);
    expect(rawOutcome.error?.message).toBe('the client went away');
    expect(rawCancel!.params).toEqual({
      ...sdkCancel!.params,
      requestId: expect.stringMatching(/^x-server:/),
    });
    expect(rawCancel!.params.reason).toBe('the client went away');
    expect(connection.raw!.pending).toBe(0);
  });

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    const from = peer.sent.length;

    const sdk = await outcome(sdkCall(connection, era, AbortSignal.abort('gone')));
    const raw = await outcome(rawCall(connection, AbortSignal.abort('gone')));

    expect(raw).toEqual(sdk);
    expect(peer.sent.slice(from)).toEqual([]);
  });

  it('fails the calls in flight with ConnectionClosed when the transport closes (PEER_DISCONNECTED)', async () => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    peer.answer(() => 'silent');

    const sdk = outcome(sdkCall(connection, era));
    const raw = outcome(rawCall(connection));
    await peer.close();
    const [sdkOutcome, rawOutcome] = await Promise.all([sdk, raw]);
    const after = await outcome(rawCall(connection));

    expect(rawOutcome).toEqual(sdkOutcome);
    expect(rawOutcome.error).toMatchObject({ code: SdkErrorCode.ConnectionClosed });
    expect(connection.closed).toBe(true);
    expect(after.error?.message).toBe('Not connected');
  });

  it('hands responses to ids it does not hold to the SDK, and keeps serving calls', async () => {
    const peer = scriptedPeer(era);
    const connection = await open(peer.transport);
    const reported: string[] = [];
    connection.client.onerror = (error) => reported.push(error.message);

    await peer.inject({ jsonrpc: '2.0', id: 'x-server:999', result: { content: [] } });
    await peer.inject({ jsonrpc: '2.0', id: 4242, result: { content: [] } });
    const answer = await rawCall(connection);

    expect(reported).toEqual([
      expect.stringContaining('unknown message ID'),
      expect.stringContaining('unknown message ID'),
    ]);
    expect(answer.content).toEqual([text('echo')]);
  });

  it.each([
    { name: 'a field JSON-RPC does not have', extra: { stray: 1 } },
    { name: 'both a result and an error', extra: { error: { code: 1, message: 'x' } } },
  ])(
    'leaves an answer with $name to the SDK: the call waits for its timeout',
    async ({ extra }) => {
      const peer = scriptedPeer(era);
      const connection = await open(peer.transport);
      const reported: string[] = [];
      connection.client.onerror = (error) => reported.push(error.message);
      peer.answer((id) => ({ jsonrpc: '2.0', id, result: wire(era, { content: [] }), ...extra }));
      vi.useFakeTimers();

      const raw = outcome(rawCall(connection, neverAborted(), 1_000));
      await vi.advanceTimersByTimeAsync(1_000);

      expect(reported).toEqual([expect.stringContaining('Unknown message type')]);
      expect((await raw).error).toMatchObject({ code: SdkErrorCode.RequestTimeout });
    },
  );
});

/** A caller (the client of the call) that answers every request with `answers`. */
const caller = (answers: Record<string, unknown>): ClientChannel => ({
  capabilities: () => ({ roots: {} }),
  logLevel: () => undefined,
  request: async () => answers,
  log: () => {},
});

describe('the raw leg through callPeerTool', () => {
  it('answers a 2026-07-28 input_required round from the caller and retries', async () => {
    const peer = scriptedPeer('modern');
    const connection = await open(peer.transport);
    let round = 0;
    peer.answer((id) =>
      round++ === 0
        ? {
            jsonrpc: '2.0',
            id,
            result: {
              resultType: 'input_required',
              inputRequests: { roots: { method: 'roots/list' } },
              requestState: 'r1',
            },
          }
        : { jsonrpc: '2.0', id, result: { resultType: 'complete', content: [text('done')] } },
    );

    const result = await callPeerTool(
      connection,
      { tool: 'echo', params: {}, meta: undefined },
      { signal: neverAborted(), client: caller({ roots: [] }) },
      5_000,
    );

    const retry = peer.sent.filter((m) => m.method === 'tools/call').at(-1) as {
      id: unknown;
      params: Record<string, unknown>;
    };
    expect(result).toEqual({ content: [text('done')] });
    expect(retry.id).toMatch(/^x-server:/);
    expect(retry.params).toMatchObject({
      inputResponses: { roots: { roots: [] } },
      requestState: 'r1',
    });
  });
});

describe('the raw leg to a real stdio peer (server-everything)', () => {
  it('calls echo, and fails a call in flight with PEER_DISCONNECTED when the peer process dies', async () => {
    const config = { command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] };
    const connection = await open(defaultPeerTransport, config);
    const ctx = { signal: neverAborted() };

    const echo = await callPeerTool(
      connection,
      { tool: 'echo', params: { message: 'hi' }, meta: undefined },
      ctx,
      30_000,
    );
    const long = callPeerTool(
      connection,
      {
        tool: 'trigger-long-running-operation',
        params: { duration: 30, steps: 30 },
        meta: undefined,
      },
      ctx,
      60_000,
    ).catch((e: unknown) => e);
    await vi.waitUntil(() => connection.raw!.pending === 1);
    process.kill(connection.pid!, 'SIGKILL');
    const error = await long;
    const translated = translatePeerError(error, {
      peer: 'everything',
      tool: 'trigger-long-running-operation',
      timeoutMs: 60_000,
      connection,
      signal: ctx.signal,
    });

    expect(echo.content).toEqual([text('Echo: hi')]);
    expect(error).toMatchObject({ code: SdkErrorCode.ConnectionClosed });
    expect(translated).toBeInstanceOf(PeerDisconnectedError);
  });
});

describe('the raw leg to a 2026-07-28 peer over Streamable HTTP', () => {
  it("cancels by ending the call's own request stream, as the SDK does (no notifications/cancelled)", async () => {
    let cancelled!: () => void;
    const peerCancelled = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    const url = await modernHttpPeer({ cancelled });
    const sent: Message[] = [];
    const transport: PeerTransportFactory = async (name, config) => {
      const source = await defaultPeerTransport(name, config);
      const send = source.transport.send.bind(source.transport);
      source.transport.send = (message, options) => {
        sent.push(message as Message);
        return send(message, options);
      };
      return source;
    };
    const connection = await open(transport, { url });
    const abort = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const ctx = { signal: abort.signal, client: caller({}), onProgress: () => started() };

    const whoami = await callPeerTool(
      connection,
      { tool: 'whoami', params: { note: 'n' }, meta: undefined },
      ctx,
      10_000,
    );
    const wait = callPeerTool(
      connection,
      { tool: 'wait', params: {}, meta: undefined },
      ctx,
      10_000,
    ).catch((e: unknown) => e);
    await running;
    abort.abort('the client went away');
    await peerCancelled;
    const error = await wait;

    const calls = sent.filter((m) => m.method === 'tools/call');
    expect(whoami.structuredContent).toMatchObject({ note: 'n' });
    expect(calls.map((m) => m.id)).toEqual([
      expect.stringMatching(/^x-server:/),
      expect.stringMatching(/^x-server:/),
    ]);
    expect(error).toMatchObject({ message: 'the client went away' });
    expect(sent.filter((m) => m.method === 'notifications/cancelled')).toEqual([]);
    expect(connection.raw!.pending).toBe(0);
  });
});

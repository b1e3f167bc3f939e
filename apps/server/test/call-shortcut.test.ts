import { PassThrough } from 'node:stream';
import { Server } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ToolContext } from '../src/catalog/index.js';
import { defineCategory, defineTool, StdioTransport, XServer } from '../src/index.js';
import { CallShortcut } from '../src/mcp/call-shortcut.js';
import { closeAfterTest, testConfig, workdir } from './helpers.js';

/**
 * A 2025-era stdio client's `tools/call` is served past the SDK's request machinery
 * (mcp/call-shortcut.ts): the same answers, progress, log lines, requests to the client,
 * cancellation and shutdown as through the SDK's handler; what the SDK must refuse still goes to
 * the SDK.
 */

interface Message {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** A tool whose runs the test holds: each run is recorded and waits for the test (or its signal). */
function heldCategory() {
  const runs: { ctx: ToolContext; finish: (value: unknown) => void }[] = [];
  const spec = defineCategory({
    name: 'held',
    description: 'Tools the test holds',
    tools: () => [
      defineTool({
        name: 'wait',
        description: 'Reports progress, logs a line, asks the client for roots if told, then waits',
        input: z.object({ roots: z.boolean().optional() }),
        run: async ({ roots }, ctx) => {
          ctx.onProgress?.({ progress: 1, total: 2, message: 'half' });
          ctx.client?.log('warning', 'from the tool');
          const listed = roots ? await ctx.client?.request({ method: 'roots/list' }) : undefined;
          return new Promise((resolve, reject) => {
            runs.push({ ctx, finish: resolve });
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
            if (listed) resolve({ listed });
          });
        },
      }),
    ],
  });
  return { spec, runs };
}

const MODERN_ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'shortcut-test', version: '1.0.0' },
};

async function serve(options: {
  shortcut: boolean;
  capabilities?: Record<string, unknown>;
  era?: 'legacy' | 'modern';
}) {
  const modern = options.era === 'modern';
  const dir = await workdir();
  const held = heldCategory();
  const app = await XServer.create({ config: await testConfig(dir), categories: [held.spec] });
  closeAfterTest(() => app.close());
  // Without the shortcut: every message goes to the SDK (what the shortcut must match).
  if (!options.shortcut) (app as { shortcut?: unknown }).shortcut = undefined;
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const transport = new StdioTransport(app, { stdin, stdout });
  app.attach(transport);
  await transport.start();
  const messages: Message[] = [];
  let buffered = '';
  stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line) messages.push(JSON.parse(line) as Message);
  });
  const send = (message: Record<string, unknown>) =>
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  const answer = async (id: number | string) => {
    await expect
      .poll(() => messages.some((m) => m.id === id && m.method === undefined), {
        timeout: 5_000,
        interval: 5,
      })
      .toBe(true);
    return messages.find((m) => m.id === id && m.method === undefined)!;
  };
  const initialize = async () => {
    if (modern) {
      send({ id: 'init', method: 'server/discover', params: { _meta: MODERN_ENVELOPE } });
      await answer('init');
      return;
    }
    send({
      id: 'init',
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: options.capabilities ?? {},
        clientInfo: { name: 'shortcut-test', version: '1.0.0' },
      },
    });
    await answer('init');
    send({ method: 'notifications/initialized' });
  };
  const call = (id: number, name: string, args?: unknown, meta?: Record<string, unknown>) =>
    send({
      id,
      method: 'tools/call',
      params: {
        name,
        ...(args === undefined ? {} : { arguments: args }),
        ...(meta || modern ? { _meta: { ...(modern ? MODERN_ENVELOPE : {}), ...meta } } : {}),
      },
    });
  return { app, transport, send, call, answer, initialize, messages, runs: held.runs };
}

/** An answer without what differs from one server to the other (durations, its directory). */
function comparable(message: Message): unknown {
  return JSON.parse(
    JSON.stringify(message)
      .replace(/(\\?"durationMs\\?":\s*)[\d.]+/g, '$10')
      .replace(/x-server-test-\w+/g, 'x-server-test-dir'),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the tools/call shortcut of a 2025-era stdio connection', () => {
  const requests: [string, unknown][] = [
    ['dispatch', { category: 'demo', tool: 'echo', params: { value: 'é' } }],
    ['list_categories', {}],
    ['dispatch', { category: 'nope', tool: 'echo', params: {} }],
    ['dispatch', { category: 'demo' }],
    ['no_such_tool', {}],
    ['list_categories', undefined],
  ];

  it.each(['legacy', 'modern'] as const)(
    'serves each call itself and answers exactly as the SDK handler does (%s era)',
    async (era) => {
      const take = vi.spyOn(CallShortcut.prototype, 'take');
      const fast = await serve({ shortcut: true, era });
      const sdk = await serve({ shortcut: false, era });
      await fast.initialize();
      await sdk.initialize();
      // One at a time on each side: the answers depend on what earlier calls loaded.
      for (const [i, [name, args]] of requests.entries()) {
        fast.call(i + 1, name, args);
        sdk.call(i + 1, name, args);
        const [ours, theirs] = [await fast.answer(i + 1), await sdk.answer(i + 1)];
        expect(comparable(ours)).toEqual(comparable(theirs));
      }
      // The shortcut took the tools/call of its connection, and no other message.
      const took = take.mock.calls
        .map(([message], i) => [(message as Message).method, take.mock.results[i]!.value])
        .filter(([, taken]) => taken === true);
      // 2026-07-28: the first request after server/discover pins the era, and is the SDK's.
      const served = era === 'modern' ? requests.slice(1) : requests;
      expect(took).toEqual(served.map(() => ['tools/call', true]));
      if (era === 'modern') expect((await fast.answer(1)).result?.resultType).toBe('complete');
      // What the comparison covers: a result, a tool error, and the SDK's own error for a name
      // no tool has.
      expect((await fast.answer(1)).result?.structuredContent).toMatchObject({
        result: { value: 'é' },
      });
      expect((await fast.answer(3)).result?.isError).toBe(true);
      expect((await fast.answer(5)).error?.code).toBe(-32602);
    },
  );

  it('leaves to the SDK a call before initialize and a call it does not check itself', async () => {
    const take = vi.spyOn(CallShortcut.prototype, 'take');
    const fast = await serve({ shortcut: true });
    const sdk = await serve({ shortcut: false });
    for (const side of [fast, sdk]) {
      await side.initialize();
      side.send({ id: 1, method: 'tools/call', params: { arguments: {} } });
      side.send({
        id: 2,
        method: 'tools/call',
        params: { name: 'list_categories', arguments: [] },
      });
    }
    for (const id of [1, 2]) {
      expect(comparable(await fast.answer(id))).toEqual(comparable(await sdk.answer(id)));
    }
    // The SDK refuses the first two (no name; arguments not an object) with invalid params.
    expect((await fast.answer(1)).error?.code).toBe(-32602);
    expect((await fast.answer(2)).error?.code).toBe(-32602);
    expect(take.mock.results.every((result) => result.value === false)).toBe(true);

    // Before the handshake (the client's capabilities unknown) it takes nothing either.
    const callTool = vi.fn();
    const fresh = new CallShortcut(new Server({ name: 'fresh', version: '1.0.0' }), callTool);
    const call = {
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { name: 'list_categories' },
    };
    expect(fresh.take(call as never, vi.fn())).toBe(false);
    expect(callTool).not.toHaveBeenCalled();
  });

  it('leaves to the SDK a 2026-07-28 request with an envelope it refuses, and a retry leg', async () => {
    const take = vi.spyOn(CallShortcut.prototype, 'take');
    const fast = await serve({ shortcut: true, era: 'modern' });
    const sdk = await serve({ shortcut: false, era: 'modern' });
    const badEnvelope = { ...MODERN_ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': 'all' };
    for (const side of [fast, sdk]) {
      await side.initialize();
      side.send({
        id: 1,
        method: 'tools/call',
        params: { name: 'list_categories', arguments: {}, _meta: badEnvelope },
      });
      side.send({
        id: 2,
        method: 'tools/call',
        params: {
          name: 'list_categories',
          arguments: {},
          requestState: 'x-server:unknown',
          _meta: MODERN_ENVELOPE,
        },
      });
    }
    for (const id of [1, 2]) {
      const ours = await fast.answer(id);
      expect(ours.error?.code).toBe(-32602);
      expect(comparable(ours)).toEqual(comparable(await sdk.answer(id)));
    }
    expect(take.mock.results.filter((result) => result.value === true)).toEqual([]);
  });

  it('leaves to the SDK the 2026-07-28 request that pins the era; a message without the envelope then cannot unpin it', async () => {
    // After server/discover the SDK's stdio entry holds a probe instance until a modern request
    // reaches it; a message without the envelope before that would replace it with a 2025 one.
    const take = vi.spyOn(CallShortcut.prototype, 'take');
    const fast = await serve({ shortcut: true, era: 'modern' });
    const sdk = await serve({ shortcut: false, era: 'modern' });
    for (const side of [fast, sdk]) {
      await side.initialize();
      side.call(1, 'list_categories', {});
      side.call(2, 'dispatch', { category: 'held', tool: 'wait', params: {} });
    }
    await fast.answer(1);
    await expect.poll(() => fast.runs.length).toBe(1);
    await expect.poll(() => sdk.runs.length).toBe(1);
    expect(take.mock.results.map((result) => result.value)).toEqual([false, true]);
    for (const side of [fast, sdk]) {
      side.send({ method: 'notifications/roots/list_changed' });
      side.send({
        id: 3,
        method: 'tools/call',
        params: { name: 'list_categories', arguments: {} },
      });
    }
    const refused = await fast.answer(3);
    expect(refused.error?.code).toBe(-32602);
    expect(comparable(refused)).toEqual(comparable(await sdk.answer(3)));
    // The call in flight was not dropped with a discarded instance: it answers, in its era.
    fast.runs[0]!.finish({ done: true });
    sdk.runs[0]!.finish({ done: true });
    const [ours, theirs] = [await fast.answer(2), await sdk.answer(2)];
    expect(ours.result?.resultType).toBe('complete');
    expect(comparable(ours)).toEqual(comparable(theirs));
  });

  it('leaves to the SDK a call whose _meta holds a reserved key it does not read, or a non-integer progress token', async () => {
    const take = vi.spyOn(CallShortcut.prototype, 'take');
    const fast = await serve({ shortcut: true });
    await fast.initialize();
    const metas = [
      { progressToken: 1.5 },
      { 'io.modelcontextprotocol/related-task': { taskId: 'x' } },
      { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
    ];
    for (const [i, meta] of metas.entries()) fast.call(i + 1, 'list_categories', {}, meta);
    fast.call(9, 'list_categories', {}, { progressToken: 7, 'vendor.example/tag': 'kept' });
    await fast.answer(9);
    const taken = take.mock.calls
      .map(([message], i) => [(message as Message).id, take.mock.results[i]!.value])
      .filter(([id]) => typeof id === 'number');
    expect(taken).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [9, true],
    ]);
  });

  it('sends progress under the caller token and log lines before the answer', async () => {
    const fast = await serve({ shortcut: true });
    await fast.initialize();
    fast.call(
      1,
      'dispatch',
      { category: 'held', tool: 'wait', params: {} },
      { progressToken: 'p1' },
    );
    await expect.poll(() => fast.runs.length).toBe(1);
    fast.runs[0]!.finish({ done: true });
    await fast.answer(1);
    const order = fast.messages
      .filter((m) => m.id !== 'init')
      .map((m) => m.method ?? `answer ${m.id}`);
    expect(order).toEqual(['notifications/progress', 'notifications/message', 'answer 1']);
    const progress = fast.messages.find((m) => m.method === 'notifications/progress')!;
    expect(progress.params).toEqual({
      progressToken: 'p1',
      progress: 1,
      total: 2,
      message: 'half',
    });
    const line = fast.messages.find((m) => m.method === 'notifications/message')!;
    expect(line.params).toMatchObject({ level: 'warning', data: 'from the tool' });
    expect((await fast.answer(1)).result?.structuredContent).toMatchObject({
      result: { done: true },
    });
  });

  it('asks the client during the call as a request of the server, and the tool gets the answer', async () => {
    const fast = await serve({ shortcut: true, capabilities: { roots: {} } });
    await fast.initialize();
    fast.call(1, 'dispatch', { category: 'held', tool: 'wait', params: { roots: true } });
    await expect.poll(() => fast.messages.some((m) => m.method === 'roots/list')).toBe(true);
    const asked = fast.messages.find((m) => m.method === 'roots/list')!;
    fast.send({ id: asked.id, result: { roots: [{ uri: 'file:///here', name: 'here' }] } });
    const answer = await fast.answer(1);
    expect(answer.result?.structuredContent).toMatchObject({
      result: { listed: { roots: [{ uri: 'file:///here', name: 'here' }] } },
    });
  });

  it('answers input_required on a 2026-07-28 first leg, asking with the capabilities of the request; the retry (the SDK path) finishes the call', async () => {
    const fast = await serve({ shortcut: true, era: 'modern' });
    await fast.initialize();
    const envelope = {
      ...MODERN_ENVELOPE,
      'io.modelcontextprotocol/clientCapabilities': { roots: {} },
    };
    const params = {
      name: 'dispatch',
      arguments: { category: 'held', tool: 'wait', params: { roots: true } },
    };
    fast.send({ id: 1, method: 'tools/call', params: { ...params, _meta: envelope } });
    const first = (await fast.answer(1)).result!;
    expect(first.resultType).toBe('input_required');
    const [key, asked] = Object.entries(first.inputRequests as Record<string, Message>)[0]!;
    expect(asked.method).toBe('roots/list');
    fast.send({
      id: 2,
      method: 'tools/call',
      params: {
        ...params,
        _meta: envelope,
        requestState: first.requestState,
        inputResponses: { [key]: { roots: [{ uri: 'file:///here' }] } },
      },
    });
    const second = (await fast.answer(2)).result!;
    expect(second.resultType).toBe('complete');
    expect(second.structuredContent).toMatchObject({
      result: { listed: { roots: [{ uri: 'file:///here' }] } },
    });
  });

  it('aborts a call the client cancels and sends it no answer', async () => {
    const fast = await serve({ shortcut: true });
    await fast.initialize();
    fast.call(1, 'dispatch', { category: 'held', tool: 'wait', params: {} });
    await expect.poll(() => fast.runs.length).toBe(1);
    const { signal } = fast.runs[0]!.ctx;
    fast.send({
      method: 'notifications/cancelled',
      params: { requestId: 1, reason: 'not needed' },
    });
    await expect.poll(() => signal.aborted).toBe(true);
    expect(signal.reason).toBe('not needed');
    // A later call is answered; the cancelled one never is.
    fast.call(2, 'list_categories', {});
    await fast.answer(2);
    expect(fast.messages.filter((m) => m.id === 1)).toEqual([]);
  });

  it('aborts the calls in flight when the connection closes, as the SDK aborts its handlers', async () => {
    const fast = await serve({ shortcut: true });
    await fast.initialize();
    fast.call(1, 'dispatch', { category: 'held', tool: 'wait', params: {} });
    await expect.poll(() => fast.runs.length).toBe(1);
    const { signal } = fast.runs[0]!.ctx;
    await fast.transport.close();
    expect(signal.aborted).toBe(true);
    expect(fast.messages.filter((m) => m.id === 1)).toEqual([]);
  });
});

describe('a 2026-07-28 call cancelled or cut off, with the shortcut and without', () => {
  /** A modern connection past its first call (the SDK's, which pins the era), a held call in flight. */
  async function held(shortcut: boolean) {
    const server = await serve({ shortcut, era: 'modern' });
    await server.initialize();
    server.call(1, 'list_categories', {});
    await server.answer(1);
    server.call(2, 'dispatch', { category: 'held', tool: 'wait', params: {} });
    await expect.poll(() => server.runs.length).toBe(1);
    return { server, signal: server.runs[0]!.ctx.signal };
  }

  it.each([true, false])(
    'aborts the work of a call the client cancels and sends it no answer (shortcut: %s)',
    async (shortcut) => {
      const { server, signal } = await held(shortcut);
      server.send({
        method: 'notifications/cancelled',
        params: { requestId: 2, reason: 'not needed' },
      });
      await expect.poll(() => signal.aborted).toBe(true);
      expect(signal.reason).toBe('not needed');
      server.call(3, 'list_categories', {});
      await server.answer(3);
      expect(server.messages.filter((m) => m.id === 2)).toEqual([]);
    },
  );

  it.each([true, false])(
    'aborts the work of a call in flight when the connection closes (shortcut: %s)',
    async (shortcut) => {
      const { server, signal } = await held(shortcut);
      await server.transport.close();
      await expect.poll(() => signal.aborted).toBe(true);
      expect(server.messages.filter((m) => m.id === 2)).toEqual([]);
    },
  );
});

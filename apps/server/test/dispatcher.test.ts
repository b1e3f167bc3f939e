import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { CallSpan } from '../src/backends/index.js';
import { createBackends } from '../src/backends/index.js';
import type { CategorySpec } from '../src/catalog/registry.js';
import { defineTool, resolveZodTool } from '../src/catalog/tool.js';
import { ServerClosedError } from '../src/errors.js';
import { XServer } from '../src/server.js';
import { testConfig, workdir } from './helpers.js';

// A category whose calls wait for the test to release them, and record the order they ran in.
function gatedCategory(order: string[]) {
  const gates: (() => void)[] = [];
  const spec: CategorySpec = {
    name: 'gated',
    description: 'Calls that wait for the test',
    load: () => ({
      tools: [
        resolveZodTool(
          'gated',
          defineTool({
            name: 'step',
            description: 'Waits for release',
            input: z.object({ label: z.string() }),
            run: ({ label }) => {
              order.push(label);
              return new Promise<string>((resolve) => gates.push(() => resolve(label)));
            },
          }),
        ),
      ],
    }),
  };
  return { spec, releaseNext: () => gates.shift()?.() };
}

async function app(input: Parameters<typeof testConfig>[1] = {}, categories: CategorySpec[] = []) {
  const config = await testConfig(await workdir(), {
    telemetry: { enabled: false },
    cache: { disk: false },
    ...input,
  });
  return XServer.create({ config, categories });
}

describe('Dispatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs waiting calls by priority, highest first, when every slot is busy', async () => {
    const order: string[] = [];
    const gated = gatedCategory(order);
    const server = await app({ scheduler: { concurrency: 1 } }, [gated.spec]);
    const call = (label: string, priority?: number) =>
      server.dispatcher.dispatch({ category: 'gated', tool: 'step', params: { label }, priority });

    const first = call('first');
    await vi.waitFor(() => expect(order).toEqual(['first']));
    const rest = [call('low', 1), call('high', 10), call('mid', 5)];
    await vi.waitFor(() => expect(server.stats().scheduler).toMatchObject({ queued: 3 }));
    for (let i = 0; i < 4; i++) {
      gated.releaseNext();
      await vi.waitFor(() => expect(order.length).toBe(Math.min(4, i + 2)));
    }
    await Promise.all([first, ...rest]);

    expect(order).toEqual(['first', 'high', 'mid', 'low']);
    await server.close();
  });

  it('serves a cached call without scheduling the tool again', async () => {
    const server = await app();
    const call = { category: 'text', tool: 'hash', params: { text: 'a' } };

    const first = await server.dispatcher.dispatch(call);
    const second = await server.dispatcher.dispatch({
      ...call,
      params: { text: 'a', algorithm: 'sha256' },
    });

    expect(first.cached).toBe(false);
    expect(second).toMatchObject({ cached: true, result: first.result });
    expect(server.stats().scheduler).toMatchObject({ completed: 1 });
    await server.close();
  });

  it('gives calls in flight the grace period at shutdown, then aborts them', async () => {
    vi.useFakeTimers();
    const server = await app({ shutdownGraceMs: 1_000 });
    const long = server.dispatcher.dispatch({
      category: 'demo',
      tool: 'sleep',
      params: { ms: 60_000 },
    });
    const outcome = long.then(
      () => 'finished',
      (error: unknown) => error,
    );
    await vi.waitFor(() => expect(server.stats().scheduler).toMatchObject({ running: 1 }));

    const closing = server.close();
    await vi.advanceTimersByTimeAsync(999);
    expect(server.dispatcher.inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await closing;

    expect(await outcome).toBeInstanceOf(ServerClosedError);
    expect(server.dispatcher.inFlight).toBe(0);
  });

  it('refuses new calls once closing', async () => {
    const server = await app();
    await server.close();

    await expect(
      server.dispatcher.dispatch({ category: 'demo', tool: 'echo', params: {} }),
    ).rejects.toBeInstanceOf(ServerClosedError);
  });

  it('fails a call that outlives its category timeout', async () => {
    vi.useFakeTimers();
    const server = await app({ categories: { demo: { timeoutMs: 500 } } });

    const slow = server.dispatcher.dispatch({
      category: 'demo',
      tool: 'sleep',
      params: { ms: 10_000 },
    });
    const outcome = slow.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);

    expect(await outcome).toMatchObject({ code: 'ERR_BREAKER_TIMEOUT' });
    await server.close();
  });

  it('makes no AbortController for a call whose tool never reads its signal', async () => {
    const server = await app();
    const call = { category: 'demo', tool: 'flaky', params: { failureRate: 0 } };
    await server.dispatcher.dispatch(call);
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made++;
      }
    };
    try {
      await server.dispatcher.dispatch(call);
      await server.dispatcher.dispatch(call, new Original().signal);
    } finally {
      globalThis.AbortController = Original;
    }

    expect(made).toBe(0);
    await server.close();
  });

  it("aborts a running tool's signal when the caller cancels", async () => {
    let seen: AbortSignal | undefined;
    const spec: CategorySpec = {
      name: 'waits',
      description: 'A tool that waits for its signal',
      load: () => ({
        tools: [
          resolveZodTool(
            'waits',
            defineTool({
              name: 'forever',
              description: 'Waits until aborted',
              input: z.object({}),
              run: (_params, { signal }) => {
                seen = signal;
                return new Promise((_resolve, reject) =>
                  signal.addEventListener('abort', () => reject(signal.reason)),
                );
              },
            }),
          ),
        ],
      }),
    };
    const server = await app({}, [spec]);
    const caller = new AbortController();

    const call = server.dispatcher.dispatch({ category: 'waits', tool: 'forever' }, caller.signal);
    const outcome = call.catch((error: unknown) => error);
    await vi.waitFor(() => expect(seen).toBeDefined());
    caller.abort(new Error('client went away'));

    expect(await outcome).toMatchObject({ message: 'client went away' });
    expect(seen?.aborted).toBe(true);
    await server.close();
  });

  it('answers a call whose tool ignores its signal at the end of the grace period, with its span recorded', async () => {
    vi.useFakeTimers();
    const spans: CallSpan[] = [];
    const spec: CategorySpec = {
      name: 'stuck',
      description: 'A tool that never ends and ignores its signal',
      load: () => ({
        tools: [
          resolveZodTool(
            'stuck',
            defineTool({
              name: 'hang',
              description: 'Never settles',
              input: z.object({}),
              run: () => new Promise(() => {}),
            }),
          ),
        ],
      }),
    };
    const config = await testConfig(await workdir(), {
      cache: { disk: false },
      shutdownGraceMs: 1_000,
    });
    const telemetry = {
      onCall: (span: CallSpan) => void spans.push(span),
      shutdown: async () => {},
      stats: () => ({}),
    };
    const backends = { ...(await createBackends(config)), telemetry };
    const server = new XServer({ config, backends, categories: [spec] });
    const outcome = server.dispatcher
      .dispatch({ category: 'stuck', tool: 'hang' }, new AbortController().signal)
      .catch((error: unknown) => error);
    await vi.waitFor(() => expect(server.stats().scheduler).toMatchObject({ running: 1 }));

    const closing = server.close();
    await vi.advanceTimersByTimeAsync(1_000);
    await closing;

    const stopped = await outcome;
    expect(stopped).toBeInstanceOf(ServerClosedError);
    // It was running: it was stopped by the end of the grace period, not refused as a new call.
    expect(stopped).toMatchObject({ reason: 'grace-ended' });
    expect((stopped as Error).message).toMatch(/shutdown grace period .* ended/);
    expect((stopped as Error).message).not.toMatch(/accepts no new calls/);
    expect(spans).toMatchObject([{ tool: 'hang', ok: false, errorCode: 'SERVER_CLOSED' }]);

    // A call that arrives after shutdown began is refused as a new call.
    const late = await server.dispatcher
      .dispatch({ category: 'stuck', tool: 'hang' })
      .catch((error: unknown) => error);
    expect(late).toMatchObject({ code: 'SERVER_CLOSED', reason: 'not-accepting' });
    expect((late as Error).message).toMatch(/accepts no new calls/);
  });
});

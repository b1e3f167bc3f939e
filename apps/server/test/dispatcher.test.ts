import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { BreakerGuard, PriorityScheduler } from '../src/backends/index.js';
import { demoCategory } from '../src/catalog/builtins/demo.js';
import { textCategory } from '../src/catalog/builtins/text.js';
import { type CategorySpec, defineTool, resolveZodTool } from '../src/catalog/index.js';
import { ServerClosedError } from '../src/errors.js';
import {
  Counter,
  countingScheduler,
  dispatcherWith,
  gatedCategory,
  ImmediateScheduler,
} from './fakes.js';

/** A category of one tool whose run the test writes. */
function oneTool(
  name: string,
  run: (params: unknown, ctx: { signal: AbortSignal }) => Promise<unknown>,
): CategorySpec {
  return {
    name,
    description: `The ${name} category`,
    load: () => ({
      tools: [
        resolveZodTool(
          name,
          defineTool({ name: 'run', description: 'Runs', input: z.object({}), run }),
        ),
      ],
    }),
  };
}

describe('Dispatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs waiting calls by priority, highest first, when every slot is busy', async () => {
    const gated = gatedCategory();
    const scheduler = countingScheduler(new PriorityScheduler({ concurrency: 1 }));
    const { dispatcher } = dispatcherWith([gated.spec], { scheduler });
    const call = (label: string, priority?: number) =>
      dispatcher.dispatch({ category: 'gated', tool: 'step', params: { label }, priority });

    const first = call('first');
    await gated.started.reached(1);
    const rest = [call('low', 1), call('high', 10), call('mid', 5)];
    await scheduler.scheduled.reached(4);
    expect(scheduler.stats()).toMatchObject({ queued: 3 });
    for (let i = 0; i < 4; i++) {
      gated.releaseNext();
      await gated.started.reached(Math.min(4, i + 2));
    }
    await Promise.all([first, ...rest]);

    expect(gated.order).toEqual(['first', 'high', 'mid', 'low']);
  });

  it('serves a cached call without scheduling the tool again', async () => {
    const scheduler = new ImmediateScheduler();
    const { dispatcher } = dispatcherWith([textCategory()], { scheduler });
    const call = { category: 'text', tool: 'hash', params: { text: 'a' } };

    const first = await dispatcher.dispatch(call);
    // The same call once defaults are applied: one cache entry.
    const second = await dispatcher.dispatch({
      ...call,
      params: { text: 'a', algorithm: 'sha256' },
    });

    expect(first.cached).toBe(false);
    expect(second).toMatchObject({ cached: true, result: first.result });
    expect(scheduler.completed).toBe(1);
  });

  it('gives calls in flight the grace period at shutdown, then aborts them', async () => {
    vi.useFakeTimers();
    const scheduler = countingScheduler(new ImmediateScheduler());
    const { dispatcher } = dispatcherWith([demoCategory()], { scheduler });
    const long = dispatcher.dispatch({ category: 'demo', tool: 'sleep', params: { ms: 60_000 } });
    const outcome = long.then(
      () => 'finished',
      (error: unknown) => error,
    );
    await scheduler.scheduled.reached(1);

    const draining = dispatcher.drain(1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(dispatcher.inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await draining).toBe(1);

    expect(await outcome).toBeInstanceOf(ServerClosedError);
    expect(dispatcher.inFlight).toBe(0);
  });

  it('refuses new calls once closing', async () => {
    const { dispatcher } = dispatcherWith([demoCategory()]);
    dispatcher.close();

    await expect(
      dispatcher.dispatch({ category: 'demo', tool: 'echo', params: {} }),
    ).rejects.toBeInstanceOf(ServerClosedError);
  });

  it('fails a call that outlives its category timeout', async () => {
    vi.useFakeTimers();
    const guard = new BreakerGuard({
      failureThreshold: 5,
      recoveryTimeoutMs: 30_000,
      timeoutMsFor: (category) => (category === 'demo' ? 500 : undefined),
    });
    const { dispatcher } = dispatcherWith([demoCategory()], { guard });

    const slow = dispatcher.dispatch({ category: 'demo', tool: 'sleep', params: { ms: 10_000 } });
    const outcome = slow.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);

    expect(await outcome).toMatchObject({ code: 'ERR_BREAKER_TIMEOUT' });
  });

  it('makes no AbortController for a call whose tool never reads its signal', async () => {
    // The real backends: the breaker and the scheduler must not make one either.
    const { dispatcher } = dispatcherWith([demoCategory()], {
      scheduler: new PriorityScheduler({ concurrency: 4 }),
      guard: new BreakerGuard({ failureThreshold: 5, recoveryTimeoutMs: 30_000 }),
    });
    const call = { category: 'demo', tool: 'flaky', params: { failureRate: 0 } };
    await dispatcher.dispatch(call);
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made++;
      }
    };
    try {
      await dispatcher.dispatch(call);
      await dispatcher.dispatch(call, new Original().signal);
    } finally {
      globalThis.AbortController = Original;
    }

    expect(made).toBe(0);
  });

  it("aborts a running tool's signal when the caller cancels", async () => {
    const started = new Counter();
    let seen: AbortSignal | undefined;
    const waits = oneTool('waits', (_params, { signal }) => {
      seen = signal;
      started.bump();
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      );
    });
    const { dispatcher } = dispatcherWith([waits]);
    const caller = new AbortController();

    const call = dispatcher.dispatch({ category: 'waits', tool: 'run' }, caller.signal);
    const outcome = call.catch((error: unknown) => error);
    await started.reached(1);
    caller.abort(new Error('client went away'));

    expect(await outcome).toMatchObject({ message: 'client went away' });
    expect(seen?.aborted).toBe(true);
  });

  it('answers a call whose tool ignores its signal at the end of the grace period, with its span recorded', async () => {
    vi.useFakeTimers();
    const started = new Counter();
    const stuck = oneTool('stuck', () => {
      started.bump();
      return new Promise(() => {});
    });
    const { dispatcher, spans } = dispatcherWith([stuck]);
    const outcome = dispatcher
      .dispatch({ category: 'stuck', tool: 'run' }, new AbortController().signal)
      .catch((error: unknown) => error);
    await started.reached(1);

    const draining = dispatcher.drain(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await draining;

    const stopped = await outcome;
    expect(stopped).toBeInstanceOf(ServerClosedError);
    // It was running: it was stopped by the end of the grace period, not refused as a new call.
    expect(stopped).toMatchObject({ reason: 'grace-ended' });
    expect((stopped as Error).message).toMatch(/shutdown grace period .* ended/);
    expect((stopped as Error).message).not.toMatch(/accepts no new calls/);
    expect(spans).toMatchObject([{ tool: 'run', ok: false, errorCode: 'SERVER_CLOSED' }]);

    // A call that arrives after shutdown began is refused as a new call.
    const late = await dispatcher
      .dispatch({ category: 'stuck', tool: 'run' })
      .catch((error: unknown) => error);
    expect(late).toMatchObject({ code: 'SERVER_CLOSED', reason: 'not-accepting' });
    expect((late as Error).message).toMatch(/accepts no new calls/);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { dispatchParallel } from '../src/pipeline/parallel.js';
import { XServer } from '../src/server.js';
import { testConfig, workdir } from './helpers.js';

async function app() {
  const config = await testConfig(await workdir(), {
    telemetry: { enabled: false },
    cache: { disk: false },
  });
  return XServer.create({ config });
}

const sleepCall = (ms: number) => ({ category: 'demo', tool: 'sleep', params: { ms } });

describe('dispatchParallel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never runs more than maxConcurrency calls at once', async () => {
    vi.useFakeTimers();
    const server = await app();
    const calls = Array.from({ length: 6 }, () => sleepCall(100));

    const batch = dispatchParallel(server.dispatcher, calls, { maxConcurrency: 2 });
    await vi.waitFor(() => expect(server.dispatcher.inFlight).toBe(2));
    await vi.advanceTimersByTimeAsync(100);
    await vi.waitFor(() => expect(server.dispatcher.inFlight).toBe(2));
    await vi.advanceTimersByTimeAsync(200);
    const outcomes = await batch;

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    await server.close();
  });

  it('cancels the calls of an aborted batch, started or not, each with its own outcome', async () => {
    const server = await app();
    const controller = new AbortController();

    const batch = dispatchParallel(
      server.dispatcher,
      [sleepCall(60_000), sleepCall(60_000), sleepCall(1)],
      {
        maxConcurrency: 1,
        signal: controller.signal,
      },
    );
    await vi.waitFor(() => expect(server.dispatcher.inFlight).toBe(1));
    controller.abort();
    const outcomes = await batch;

    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code))).toEqual([
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
    ]);
    await server.close();
  });

  it('refuses a maxConcurrency below 1 with a RangeError naming it', async () => {
    const server = await app();

    await expect(
      dispatchParallel(server.dispatcher, [sleepCall(1)], { maxConcurrency: 0 }),
    ).rejects.toThrow(/maxConcurrency/);
    await server.close();
  });
});

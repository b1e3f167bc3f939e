import { describe, expect, it } from 'vitest';
import { demoCategory } from '../src/catalog/builtins/demo.js';
import { dispatchParallel } from '../src/pipeline/parallel.js';
import { countingScheduler, dispatcherWith, gatedCategory, ImmediateScheduler } from './fakes.js';

const sleepCall = (ms: number) => ({ category: 'demo', tool: 'sleep', params: { ms } });

describe('dispatchParallel', () => {
  it('never runs more than maxConcurrency calls at once', async () => {
    const gated = gatedCategory();
    const { dispatcher } = dispatcherWith([gated.spec]);
    const calls = Array.from({ length: 6 }, (_, i) => ({
      category: 'gated',
      tool: 'step',
      params: { label: `call ${i}` },
    }));

    const batch = dispatchParallel(dispatcher, calls, { maxConcurrency: 2 });
    await gated.started.reached(2);
    expect(dispatcher.inFlight).toBe(2);
    for (let started = 3; started <= 6; started++) {
      gated.releaseNext();
      await gated.started.reached(started);
      expect(dispatcher.inFlight).toBe(2);
    }
    gated.releaseNext();
    gated.releaseNext();
    const outcomes = await batch;

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(gated.order).toEqual(calls.map((call) => call.params.label));
  });

  it('cancels the calls of an aborted batch, started or not, each with its own outcome', async () => {
    const scheduler = countingScheduler(new ImmediateScheduler());
    const { dispatcher } = dispatcherWith([demoCategory()], { scheduler });
    const controller = new AbortController();

    const batch = dispatchParallel(
      dispatcher,
      [sleepCall(60_000), sleepCall(60_000), sleepCall(1)],
      { maxConcurrency: 1, signal: controller.signal },
    );
    await scheduler.scheduled.reached(1);
    expect(dispatcher.inFlight).toBe(1);
    controller.abort();
    const outcomes = await batch;

    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code))).toEqual([
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
    ]);
  });

  it('refuses a maxConcurrency below 1 with a RangeError naming it', async () => {
    const { dispatcher } = dispatcherWith([demoCategory()]);

    await expect(
      dispatchParallel(dispatcher, [sleepCall(1)], { maxConcurrency: 0 }),
    ).rejects.toThrow(/maxConcurrency/);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Clock, systemClock, TelemetryBatcher } from '../src/index.js';
import { ManualClock } from './helpers/manual-clock.js';
import { InstantExporter, makeSpan, seqOf } from './helpers/recording-exporter.js';

// Real microtask turns only: time itself is the ManualClock's.
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('reads epoch milliseconds, like Date.now()', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });

    expect(systemClock.now()).toBe(1_700_000_000_000);
  });

  it('follows fake timers installed after import', () => {
    vi.useFakeTimers();
    const fired = vi.fn();

    systemClock.setTimeout(fired, 100);
    vi.advanceTimersByTime(100);

    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('returns a ref’d Node timer: the package unrefs background timers itself', () => {
    const handle = systemClock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    try {
      expect(handle.hasRef()).toBe(true);
    } finally {
      systemClock.clearTimeout(handle);
    }
  });

  it('cancels a timer with clearTimeout', () => {
    vi.useFakeTimers();
    const fired = vi.fn();

    systemClock.clearTimeout(systemClock.setTimeout(fired, 100));
    vi.advanceTimersByTime(1_000);

    expect(fired).not.toHaveBeenCalled();
  });
});

describe('TelemetryBatcher: the periodic flush timer', () => {
  it('exports what is queued again every flushIntervalMs, re-arming one timeout', async () => {
    const clock = new ManualClock();
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter, clock, flushIntervalMs: 1_000 });

    batcher.add(makeSpan(0));
    clock.advance(1_000);
    await settle();
    batcher.add(makeSpan(1));
    clock.advance(1_000);
    await settle();

    expect(exporter.batches.map((batch) => batch.map(seqOf))).toEqual([[0], [1]]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('keeps nothing alive while idle: its only timer is unref’d', () => {
    const clock = new ManualClock();

    new TelemetryBatcher({ exporter: new InstantExporter(), clock, flushIntervalMs: 1_000 });
    clock.advance(5_000);

    expect(clock.pendingTimers).toBe(1);
    expect(clock.refedTimers).toBe(0);
  });

  it('leaves no timer behind after shutdown()', async () => {
    const clock = new ManualClock();
    const batcher = new TelemetryBatcher({ exporter: new InstantExporter(), clock });

    await batcher.shutdown();

    expect(clock.pendingTimers).toBe(0);
  });

  it('takes a clock with only now, setTimeout and clearTimeout, and names a bad one', () => {
    const clock: Clock = { now: () => 0, setTimeout: () => 1, clearTimeout: () => {} };

    expect(() => new TelemetryBatcher({ exporter: new InstantExporter(), clock })).not.toThrow();
    expect(
      () => new TelemetryBatcher({ exporter: new InstantExporter(), clock: {} as Clock }),
    ).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('clock') }),
    );
  });
});

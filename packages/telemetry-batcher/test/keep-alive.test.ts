import { describe, expect, it } from 'vitest';
import { type Span, type SpanExporter, TelemetryBatcher } from '../src/index.js';
import { ManualClock } from './helpers/manual-clock.js';
import { makeSpan } from './helpers/recording-exporter.js';

// Real microtask and I/O turns only: time itself is the ManualClock's.
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Fails its first `failures` exports, then stores. */
function flakyExporter(failures: number): SpanExporter & { stored: Span[] } {
  let calls = 0;
  const stored: Span[] = [];
  return {
    stored,
    async export(spans) {
      if (++calls <= failures) throw new Error('collector down');
      stored.push(...spans);
    },
  };
}

describe('TelemetryBatcher: timers and the process lifetime', () => {
  it('lets a background retry wait on an unref’d timer when nobody awaits it', async () => {
    const clock = new ManualClock();
    const exporter = flakyExporter(1);
    const batcher = new TelemetryBatcher({ exporter, clock, maxBatchSize: 1 });

    batcher.add(makeSpan(0));
    await settle();

    expect(batcher.stats().exportErrors).toBe(1);
    expect(clock.pendingTimers).toBe(2); // the flush interval and the retry delay
    expect(clock.refedTimers).toBe(0);
  });

  it('keeps the retry timer ref’d while flush() waits on it, so the process cannot quit first', async () => {
    const clock = new ManualClock();
    const exporter = flakyExporter(1);
    const batcher = new TelemetryBatcher({ exporter, clock, baseDelayMs: 100 });
    batcher.add(makeSpan(0));

    const flushed = batcher.flush();
    await settle();

    expect(batcher.stats().exportErrors).toBe(1);
    expect(clock.refedTimers).toBe(1);
    clock.advance(100);
    await flushed;
    expect(exporter.stored).toHaveLength(1);
  });

  it('refs a retry already waiting in the background once flush() waits for it', async () => {
    const clock = new ManualClock();
    const batcher = new TelemetryBatcher({ exporter: flakyExporter(1), clock, maxBatchSize: 1 });
    batcher.add(makeSpan(0));
    await settle();
    expect(clock.refedTimers).toBe(0);

    void batcher.flush();

    expect(clock.refedTimers).toBe(1);
  });

  it('keeps export timeouts, retries and its deadline ref’d during shutdown()', async () => {
    const clock = new ManualClock();
    const exporter = flakyExporter(1);
    const batcher = new TelemetryBatcher({ exporter, clock, baseDelayMs: 100 });
    batcher.add(makeSpan(0));

    const shutdown = batcher.shutdown();
    await settle();

    expect(clock.refedTimers).toBe(2); // the retry delay and the shutdown deadline
    expect(clock.refedTimers).toBe(clock.pendingTimers);
    clock.advance(100);
    await shutdown;
    expect(exporter.stored).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves shutdown() after shutdownTimeoutMs even when exporter.shutdown() never settles', async () => {
    const clock = new ManualClock();
    const exporter: SpanExporter = {
      async export() {},
      shutdown: () => new Promise(() => {}),
    };
    const batcher = new TelemetryBatcher({ exporter, clock, shutdownTimeoutMs: 1_000 });
    batcher.add(makeSpan(0));
    let done = false;

    const shutdown = batcher.shutdown().then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false);
    clock.advance(1_000);
    await shutdown;

    expect(batcher.stats()).toMatchObject({ exported: 1, dropped: 0 });
  });
});

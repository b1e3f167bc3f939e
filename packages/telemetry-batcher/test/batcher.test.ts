import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Clock,
  ExportTimeoutError,
  ShutdownTimeoutError,
  type Span,
  TelemetryBatcher,
} from '../src/index.js';
import { InstantExporter, ManualExporter, makeSpan, seqOf } from './helpers/recording-exporter.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('TelemetryBatcher: batching', () => {
  it('exports every span added, in order, by shutdown', async () => {
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 7 });

    for (let n = 0; n < 1_000; n++) batcher.add(makeSpan(n));
    await batcher.shutdown();

    expect(exporter.spans.map(seqOf)).toEqual(Array.from({ length: 1_000 }, (_, n) => n));
    expect(batcher.stats()).toMatchObject({ added: 1_000, exported: 1_000, dropped: 0, queued: 0 });
  });

  it('starts an export as soon as maxBatchSize spans are queued, without waiting for the timer', async () => {
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 10, flushIntervalMs: 60_000 });

    for (let n = 0; n < 25; n++) batcher.add(makeSpan(n));
    await vi.advanceTimersByTimeAsync(0);

    expect(exporter.batches.map((batch) => batch.length)).toEqual([10, 10]);
    expect(batcher.stats().queued).toBe(5);
  });

  it('never exports inside add(): the export starts after the caller returns', () => {
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 1 });

    batcher.add(makeSpan(0));

    expect(exporter.batches).toEqual([]);
  });

  it('exports a partial batch every flushIntervalMs', async () => {
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 100, flushIntervalMs: 1_000 });
    batcher.add(makeSpan(0));
    batcher.add(makeSpan(1));

    await vi.advanceTimersByTimeAsync(999);
    expect(exporter.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(exporter.batches.map((batch) => batch.map(seqOf))).toEqual([[0, 1]]);
  });

  it('unrefs its flush timer so it never keeps the process alive', () => {
    const unref = vi.fn();
    const clock: Clock = {
      now: () => 0,
      setTimeout: () => ({ unref }),
      clearTimeout: () => {},
    };

    new TelemetryBatcher({ exporter: new InstantExporter(), clock });

    expect(unref).toHaveBeenCalledTimes(1);
  });

  it('resolves flush() once the spans queued at the call are exported', async () => {
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 2 });
    for (let n = 0; n < 3; n++) batcher.add(makeSpan(n));
    let flushed = false;

    const flush = batcher.flush().then(() => {
      flushed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    exporter.succeedNext();
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed).toBe(false);
    exporter.succeedNext();
    await flush;

    expect(exporter.exported.map((batch) => batch.map(seqOf))).toEqual([[0, 1], [2]]);
    expect(flushed).toBe(true);
  });

  it('runs at most maxConcurrentExports exports at once, starting batches in order', async () => {
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 2, maxConcurrentExports: 2 });

    for (let n = 0; n < 8; n++) batcher.add(makeSpan(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(exporter.pending.map((p) => p.spans.map(seqOf))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    exporter.succeedNext();
    await vi.advanceTimersByTimeAsync(0);

    expect(exporter.pending.map((p) => p.spans.map(seqOf))).toEqual([
      [2, 3],
      [4, 5],
    ]);
    expect(batcher.stats().inFlight).toBe(2);
  });

  it('measures the last export duration on the injected time', async () => {
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 1 });
    batcher.add(makeSpan(0));
    await vi.advanceTimersByTimeAsync(0);

    await vi.advanceTimersByTimeAsync(250);
    exporter.succeedNext();
    await batcher.flush();

    expect(batcher.stats().lastExportDurationMs).toBe(250);
  });
});

describe('TelemetryBatcher: bounded memory', () => {
  it('drops and counts spans beyond maxQueueSize while the exporter hangs', async () => {
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 10, maxQueueSize: 50 });

    for (let n = 0; n < 10; n++) batcher.add(makeSpan(n));
    await vi.advanceTimersByTimeAsync(0); // the first batch is now stuck in the exporter
    const accepted = Array.from({ length: 1_000 }, (_, n) => batcher.add(makeSpan(10 + n)));

    expect(accepted.filter(Boolean)).toHaveLength(50);
    expect(batcher.stats()).toMatchObject({
      queued: 50,
      inFlight: 1,
      dropped: 950,
      droppedByReason: expect.objectContaining({ queueFull: 950 }),
    });
  });

  it('drops and counts spans beyond maxQueueBytes', () => {
    const batcher = new TelemetryBatcher({
      exporter: new InstantExporter(),
      maxQueueBytes: 1_000,
      estimateBytes: () => 300,
    });

    const accepted = [1, 2, 3, 4].map((n) => batcher.add(makeSpan(n)));

    expect(accepted).toEqual([true, true, true, false]);
    expect(batcher.stats()).toMatchObject({ queuedBytes: 900, droppedByReason: { queueBytes: 1 } });
  });

  it('frees queued bytes as batches leave', async () => {
    const batcher = new TelemetryBatcher({
      exporter: new InstantExporter(),
      estimateBytes: () => 10,
    });
    for (let n = 0; n < 5; n++) batcher.add(makeSpan(n));

    await batcher.flush();

    expect(batcher.stats()).toMatchObject({ queued: 0, queuedBytes: 0 });
  });
});

describe('TelemetryBatcher: add() never throws', () => {
  it('refuses and counts a span that is not an object', () => {
    const batcher = new TelemetryBatcher({ exporter: new InstantExporter() });

    const accepted = batcher.add(null as unknown as Span);

    expect(accepted).toBe(false);
    expect(batcher.stats().droppedByReason.invalid).toBe(1);
  });

  it('refuses and counts a span without a string name and numeric startTimeMs and durationMs', () => {
    const batcher = new TelemetryBatcher({ exporter: new InstantExporter() });

    const accepted = [
      { startTimeMs: 1, durationMs: 1 },
      { name: 'a', durationMs: 1 },
      { name: 'a', startTimeMs: 1, durationMs: '1' },
      {
        get name(): string {
          throw new Error('getter throws');
        },
      },
    ].map((span) => batcher.add(span as unknown as Span));

    expect(accepted).toEqual([false, false, false, false]);
    expect(batcher.stats()).toMatchObject({ added: 0, queued: 0, droppedByReason: { invalid: 4 } });
  });

  it('refuses and counts a span whose size estimate throws', () => {
    const batcher = new TelemetryBatcher({
      exporter: new InstantExporter(),
      estimateBytes: () => {
        throw new Error('boom');
      },
    });

    expect(() => batcher.add(makeSpan(0))).not.toThrow();
    expect(batcher.stats().droppedByReason.invalid).toBe(1);
  });

  it('refuses and counts spans added after shutdown', async () => {
    const batcher = new TelemetryBatcher({ exporter: new InstantExporter() });
    await batcher.shutdown();

    const accepted = batcher.add(makeSpan(0));

    expect(accepted).toBe(false);
    expect(batcher.stats().droppedByReason.closed).toBe(1);
  });

  it('counts an exporter that throws synchronously as a failed export', async () => {
    const exporter = {
      export: (): Promise<void> => {
        throw new Error('sync throw');
      },
    };
    const batcher = new TelemetryBatcher({ exporter, maxAttempts: 1 });
    batcher.add(makeSpan(0));

    await batcher.flush();

    expect(batcher.stats()).toMatchObject({
      exportErrors: 1,
      droppedByReason: { exportFailed: 1 },
    });
  });
});

describe('TelemetryBatcher: failure and timeout', () => {
  it('aborts the exporter signal after exportTimeoutMs and counts the failure', async () => {
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({ exporter, exportTimeoutMs: 1_000, maxAttempts: 1 });
    batcher.add(makeSpan(0));
    const flush = batcher.flush();
    await vi.advanceTimersByTimeAsync(0);
    const signal = exporter.pending[0]!.signal;

    await vi.advanceTimersByTimeAsync(1_000);
    await flush;

    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(ExportTimeoutError);
    expect(batcher.stats()).toMatchObject({
      exportErrors: 1,
      droppedByReason: { exportFailed: 1 },
    });
  });

  it('retries a failed export with doubling delays, then drops and counts it', async () => {
    const attemptsAt: number[] = [];
    const exporter = {
      export: async () => {
        attemptsAt.push(Date.now());
        throw new Error('collector down');
      },
    };
    const onExportError = vi.fn();
    const batcher = new TelemetryBatcher({
      exporter,
      maxAttempts: 3,
      baseDelayMs: 100,
      jitter: 'none',
      onExportError,
    });
    const start = Date.now();
    batcher.add(makeSpan(0));
    batcher.add(makeSpan(1));

    const flush = batcher.flush();
    await vi.advanceTimersByTimeAsync(300);
    await flush;

    expect(attemptsAt.map((at) => at - start)).toEqual([0, 100, 300]);
    expect(onExportError.mock.calls.map(([, info]) => info)).toEqual([
      { attempt: 1, spans: 2, willRetry: true },
      { attempt: 2, spans: 2, willRetry: true },
      { attempt: 3, spans: 2, willRetry: false },
    ]);
    expect(batcher.stats()).toMatchObject({
      exportErrors: 3,
      retries: 2,
      exported: 0,
      droppedByReason: { exportFailed: 2 },
    });
  });

  it('exports the batch when a retry succeeds', async () => {
    let calls = 0;
    const exporter = new InstantExporter();
    const flaky = {
      export: async (spans: readonly Span[]) => {
        calls++;
        if (calls === 1) throw new Error('first try fails');
        await exporter.export(spans);
      },
    };
    const batcher = new TelemetryBatcher({ exporter: flaky, baseDelayMs: 50 });
    batcher.add(makeSpan(0));

    const flush = batcher.flush();
    await vi.advanceTimersByTimeAsync(50);
    await flush;

    expect(exporter.spans.map(seqOf)).toEqual([0]);
    expect(batcher.stats()).toMatchObject({ exported: 1, exportErrors: 1, retries: 1, dropped: 0 });
  });

  it('does not retry an error marked retryable: false', async () => {
    const exporter = {
      export: vi.fn(async () => {
        throw Object.assign(new Error('400 bad request'), { retryable: false });
      }),
    };
    const batcher = new TelemetryBatcher({ exporter, maxAttempts: 6 });
    batcher.add(makeSpan(0));

    await batcher.flush();

    expect(exporter.export).toHaveBeenCalledTimes(1);
    expect(batcher.stats().droppedByReason.exportFailed).toBe(1);
  });

  it('keeps exporting later batches after one is dropped', async () => {
    let calls = 0;
    const good = new InstantExporter();
    const exporter = {
      export: async (spans: readonly Span[]) => {
        if (++calls === 1) throw new Error('only the first batch fails');
        await good.export(spans);
      },
    };
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 2, maxAttempts: 1 });

    for (let n = 0; n < 4; n++) batcher.add(makeSpan(n));
    await batcher.flush();

    expect(good.spans.map(seqOf)).toEqual([2, 3]);
  });
});

describe('TelemetryBatcher: shutdown', () => {
  it('returns the same promise on every call and shuts the exporter down once', async () => {
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({ exporter });

    const first = batcher.shutdown();
    const second = batcher.shutdown();
    await first;

    expect(second).toBe(first);
    expect(exporter.shutdownCalls).toBe(1);
  });

  it('waits for exports in flight before resolving', async () => {
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 1 });
    batcher.add(makeSpan(0));
    await vi.advanceTimersByTimeAsync(0);
    let done = false;

    const shutdown = batcher.shutdown().then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    exporter.succeedNext();
    await shutdown;

    expect(exporter.exported.map((batch) => batch.map(seqOf))).toEqual([[0]]);
  });

  it('gives up after shutdownTimeoutMs: aborts the export and counts what is left as dropped', async () => {
    const exporter = new ManualExporter();
    const batcher = new TelemetryBatcher({
      exporter,
      maxBatchSize: 2,
      shutdownTimeoutMs: 5_000,
      exportTimeoutMs: 60_000,
    });
    for (let n = 0; n < 5; n++) batcher.add(makeSpan(n));

    const shutdown = batcher.shutdown();
    await vi.advanceTimersByTimeAsync(5_000);
    await shutdown;

    expect(exporter.pending[0]!.signal.reason).toBeInstanceOf(ShutdownTimeoutError);
    expect(batcher.stats()).toMatchObject({ exported: 0, droppedByReason: { shutdown: 5 } });
  });

  it('writes what is queued synchronously with flushSync() when the exporter can', () => {
    const exporter = new InstantExporter();
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 2 });
    for (let n = 0; n < 3; n++) batcher.add(makeSpan(n));

    const written = batcher.flushSync();

    expect(written).toBe(3);
    expect(exporter.syncBatches.map((batch) => batch.map(seqOf))).toEqual([[0, 1], [2]]);
    expect(batcher.stats()).toMatchObject({ queued: 0, exported: 3 });
  });
});

describe('TelemetryBatcher: options', () => {
  it.each([
    ['maxBatchSize', 0],
    ['maxBatchSize', 1.5],
    ['flushIntervalMs', -1],
    ['maxQueueSize', 0],
    ['maxQueueBytes', 0],
    ['maxConcurrentExports', 0],
    ['exportTimeoutMs', 0],
    ['maxAttempts', 0],
    ['baseDelayMs', Number.NaN],
    ['shutdownTimeoutMs', -5],
  ])('throws a RangeError naming %s when it is %s', (option, value) => {
    expect(
      () => new TelemetryBatcher({ exporter: new InstantExporter(), [option]: value }),
    ).toThrow(
      expect.objectContaining({ name: 'RangeError', message: expect.stringContaining(option) }),
    );
  });

  // Node fires a timer longer than 2^31 - 1 ms after 1 ms: "wait very long" would mean "give up now".
  it.each([
    ['flushIntervalMs', 2 ** 31],
    ['exportTimeoutMs', 2 ** 31],
    ['baseDelayMs', Number.POSITIVE_INFINITY],
    ['maxDelayMs', 1e10],
    ['shutdownTimeoutMs', 1e10],
  ])(
    'throws a RangeError naming %s when %s is beyond the longest Node.js timer',
    (option, value) => {
      expect(
        () => new TelemetryBatcher({ exporter: new InstantExporter(), [option]: value }),
      ).toThrow(
        expect.objectContaining({ name: 'RangeError', message: expect.stringContaining(option) }),
      );
    },
  );

  it('accepts shutdownTimeoutMs: Infinity, which waits as long as exports take', () => {
    expect(
      () =>
        new TelemetryBatcher({
          exporter: new InstantExporter(),
          shutdownTimeoutMs: Number.POSITIVE_INFINITY,
        }),
    ).not.toThrow();
  });

  it('throws a TypeError naming exporter when it has no export method', () => {
    expect(() => new TelemetryBatcher({ exporter: {} as never })).toThrow(/exporter must be/);
    expect(() => new TelemetryBatcher({ exporter: {} as never })).toThrow(TypeError);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  OtlpExportError,
  type Span,
  type SpanExporter,
  TelemetryBatcher,
  type TelemetryBatcherOptions,
} from '../src/index.js';
import { makeSpan } from './helpers/recording-exporter.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** An exporter that always fails with `error` and notes when each attempt started. */
function failing(error: unknown = new Error('collector down')) {
  const attemptsAt: number[] = [];
  const exporter: SpanExporter = {
    async export(_spans: readonly Span[]) {
      attemptsAt.push(Date.now());
      throw error;
    },
  };
  return { exporter, attemptsAt };
}

/** Adds one span, flushes, runs fake time out; returns the attempt times relative to the start. */
async function attemptTimes(
  options: Omit<TelemetryBatcherOptions, 'exporter'>,
  error?: unknown,
): Promise<number[]> {
  const { exporter, attemptsAt } = failing(error);
  const batcher = new TelemetryBatcher({ exporter, ...options });
  const start = Date.now();
  batcher.add(makeSpan(0));
  const flush = batcher.flush();
  await vi.advanceTimersByTimeAsync(60_000);
  await flush;
  return attemptsAt.map((at) => at - start);
}

describe('TelemetryBatcher: retry options', () => {
  it('makes maxAttempts attempts in all, the first one included', async () => {
    expect(await attemptTimes({ maxAttempts: 1 })).toHaveLength(1);
    expect(await attemptTimes({ maxAttempts: 5 })).toHaveLength(5);
  });

  it('makes 4 attempts by default', async () => {
    expect(await attemptTimes({})).toHaveLength(4);
  });

  it('grows the wait by multiplier and caps it at maxDelayMs', async () => {
    const times = await attemptTimes({
      maxAttempts: 5,
      baseDelayMs: 100,
      multiplier: 3,
      maxDelayMs: 1_000,
      jitter: 'none',
    });

    // Waits 100, 300, 900, then 2_700 capped at 1_000.
    expect(times).toEqual([0, 100, 400, 1_300, 2_300]);
  });

  it('waits a random part of the cap with jitter: full, the default', async () => {
    const random = vi.fn().mockReturnValueOnce(0.5).mockReturnValueOnce(0.25);

    const times = await attemptTimes({ maxAttempts: 3, baseDelayMs: 100, random });

    // Caps 100 and 200: waits 50 and 50.
    expect(times).toEqual([0, 50, 100]);
    expect(random).toHaveBeenCalledTimes(2);
  });

  it('asks retryOn(error, attempt) before each retry, and stops when it says no', async () => {
    const error = new Error('quota exceeded');
    const retryOn = vi.fn((_error: unknown, attempt: number) => attempt < 2);

    const times = await attemptTimes({ maxAttempts: 5, baseDelayMs: 10, retryOn }, error);

    expect(times).toHaveLength(2);
    expect(retryOn.mock.calls).toEqual([
      [error, 1],
      [error, 2],
    ]);
  });

  it('does not ask retryOn after the last attempt', async () => {
    const retryOn = vi.fn(() => true);

    await attemptTimes({ maxAttempts: 2, baseDelayMs: 10, retryOn });

    expect(retryOn).toHaveBeenCalledTimes(1);
  });

  it('treats a retryOn that throws as "do not retry"', async () => {
    const retryOn = () => {
      throw new Error('predicate bug');
    };

    expect(await attemptTimes({ maxAttempts: 3, retryOn })).toHaveLength(1);
  });

  it('by default does not retry an OTLP 4xx answer, but retries 429 and 5xx', async () => {
    const url = 'http://collector/v1/traces';

    expect(await attemptTimes({ maxAttempts: 3 }, new OtlpExportError(url, 401, ''))).toHaveLength(
      1,
    );
    expect(await attemptTimes({ maxAttempts: 3 }, new OtlpExportError(url, 429, ''))).toHaveLength(
      3,
    );
    expect(await attemptTimes({ maxAttempts: 3 }, new OtlpExportError(url, 503, ''))).toHaveLength(
      3,
    );
  });

  it.each([
    ['multiplier', 0.5, 'RangeError'],
    ['multiplier', Number.NaN, 'RangeError'],
    ['jitter', 'half', 'RangeError'],
    ['maxAttempts', 1.5, 'RangeError'],
    ['retryOn', true, 'TypeError'],
    ['random', 0.5, 'TypeError'],
  ])('throws naming %s when it is %s', (option, value, name) => {
    expect(() => new TelemetryBatcher({ exporter: failing().exporter, [option]: value })).toThrow(
      expect.objectContaining({ name, message: expect.stringContaining(option) }),
    );
  });
});

import { isRetryable } from './backoff.js';
import { assertClock, type Clock, systemClock } from './clock.js';
import { estimateSpanBytes } from './estimate-bytes.js';
import type { Span, SpanExporter } from './span.js';
import { assertDelayMs, assertInteger, assertNumber, MAX_TIMER_MS } from './validate.js';

/** Why a span was dropped instead of exported. */
export type DropReason =
  | 'queueFull'
  | 'queueBytes'
  | 'closed'
  | 'invalid'
  | 'exportFailed'
  | 'shutdown';

/** What `onExportError` is told besides the error. */
export interface ExportErrorInfo {
  /** 1 for the first try. */
  attempt: number;
  /** Spans in the batch. */
  spans: number;
  /** Whether the batch will be tried again; when false its spans are dropped. */
  willRetry: boolean;
}

export interface TelemetryBatcherOptions {
  /** Where batches go: `JsonlFileExporter`, `OtlpHttpExporter` or your own `SpanExporter`. */
  exporter: SpanExporter;
  /**
   * Spans per export; reaching it starts an export at once.
   * @default 100
   */
  maxBatchSize?: number;
  /**
   * Exports whatever is queued this often, so a quiet server still ships its spans. The timer
   * is unref'd.
   * @default 10_000
   */
  flushIntervalMs?: number;
  /**
   * Most spans waiting for export; `add()` drops (and counts) beyond it. The queue's slots
   * (16 bytes each) are allocated as spans queue up, doubling from 1,024, not all up front.
   * @default 10_000
   */
  maxQueueSize?: number;
  /**
   * Most estimated bytes waiting for export; `add()` drops (and counts) beyond it.
   * @default 16_777_216 (16 MiB)
   */
  maxQueueBytes?: number;
  /**
   * Exports running at once. With 1, batches reach the destination strictly in order.
   * @default 1
   */
  maxConcurrentExports?: number;
  /**
   * Per attempt: after this long the exporter's signal is aborted and the attempt fails.
   * @default 30_000
   */
  exportTimeoutMs?: number;
  /**
   * Export attempts per batch in all, the first one included (`1` = no retry); after the last
   * failed one the batch's spans are dropped (and counted as `exportFailed`).
   * @default 4
   */
  maxAttempts?: number;
  /**
   * The cap of the first retry wait, in milliseconds; each further cap is `multiplier` times
   * the previous one.
   * @default 200
   */
  baseDelayMs?: number;
  /**
   * No retry wait is longer than this, in milliseconds.
   * @default 5_000
   */
  maxDelayMs?: number;
  /**
   * How much the cap of the retry wait grows per attempt.
   * @default 2
   */
  multiplier?: number;
  /**
   * `'full'` waits a uniformly random time between 0 and the cap, so many processes whose
   * collector came back do not retry in lockstep; `'none'` waits the cap itself.
   * @default 'full'
   */
  jitter?: 'full' | 'none';
  /**
   * Whether a failed attempt (`attempt` is 1 for the first) is worth another one; asked only
   * while attempts remain. A predicate that throws counts as `false`.
   * @default every error except one with `retryable: false` (OTLP 4xx other than 408 and 429)
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
  /**
   * Uniform random numbers in [0, 1) for `jitter: 'full'`; inject one in tests.
   * @default Math.random
   */
  random?: () => number;
  /**
   * How long `shutdown()` waits for the last exports; then it aborts them and drops what is
   * left. `Infinity` waits for as long as retries and timeouts take.
   * @default 30_000
   */
  shutdownTimeoutMs?: number;
  /**
   * Estimated size of a span, for `maxQueueBytes`. Must be cheap: it runs inside `add()`.
   * @default estimateSpanBytes
   */
  estimateBytes?: (span: Span) => number;
  /** Told about every failed export attempt (log it, count it). Must not throw. */
  onExportError?: (error: unknown, info: ExportErrorInfo) => void;
  /**
   * Time source and timers, for tests.
   * @default systemClock
   */
  clock?: Clock;
}

/** Plain numbers, for dashboards and `/metrics`. */
export interface TelemetryBatcherStats {
  /** Spans accepted by `add()`. */
  added: number;
  /** Spans waiting for an export. */
  queued: number;
  /** Estimated bytes waiting for an export. */
  queuedBytes: number;
  /** Exports running now (retry waits included). */
  inFlight: number;
  /** Spans the exporter confirmed. */
  exported: number;
  /** Batches the exporter confirmed. */
  batches: number;
  /** Failed export attempts, retried or not. */
  exportErrors: number;
  /** Export attempts that were retries. */
  retries: number;
  /** All spans dropped, for any reason. */
  dropped: number;
  droppedByReason: Record<DropReason, number>;
  /** Wall time of the last successful export attempt, ms; 0 before the first. */
  lastExportDurationMs: number;
}

/** Options with every default filled in and every value checked. */
export type ResolvedBatcherOptions = Required<Omit<TelemetryBatcherOptions, 'onExportError'>> &
  Pick<TelemetryBatcherOptions, 'onExportError'>;

/** Fills in defaults; throws TypeError / RangeError naming the offending option. */
export function resolveBatcherOptions(options: TelemetryBatcherOptions): ResolvedBatcherOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('TelemetryBatcher options must be an object with an exporter');
  }
  const exporter = options.exporter;
  if (exporter === null || typeof exporter !== 'object' || typeof exporter.export !== 'function') {
    throw new TypeError('exporter must be an object with an export(spans, { signal }) method');
  }
  const callbacks = [
    ['estimateBytes', options.estimateBytes, '(span) => number'],
    ['onExportError', options.onExportError, '(error, info) => void'],
    ['retryOn', options.retryOn, '(error, attempt) => boolean'],
    ['random', options.random, '() => number in [0, 1)'],
  ] as const;
  for (const [name, value, shape] of callbacks) {
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`${name} must be a function ${shape}`);
    }
  }
  const jitter = options.jitter ?? 'full';
  if (jitter !== 'full' && jitter !== 'none') {
    throw new RangeError(`jitter must be 'full' or 'none', got ${String(jitter)}`);
  }
  return {
    exporter,
    maxBatchSize: assertInteger('maxBatchSize', options.maxBatchSize ?? 100, 1),
    flushIntervalMs: assertInteger(
      'flushIntervalMs',
      options.flushIntervalMs ?? 10_000,
      1,
      MAX_TIMER_MS,
    ),
    maxQueueSize: assertInteger('maxQueueSize', options.maxQueueSize ?? 10_000, 1),
    maxQueueBytes: assertNumber('maxQueueBytes', options.maxQueueBytes ?? 16 * 1024 * 1024, 1),
    maxConcurrentExports: assertInteger(
      'maxConcurrentExports',
      options.maxConcurrentExports ?? 1,
      1,
    ),
    exportTimeoutMs: assertInteger(
      'exportTimeoutMs',
      options.exportTimeoutMs ?? 30_000,
      1,
      MAX_TIMER_MS,
    ),
    maxAttempts: assertInteger('maxAttempts', options.maxAttempts ?? 4, 1),
    baseDelayMs: assertDelayMs('baseDelayMs', options.baseDelayMs ?? 200, 0),
    maxDelayMs: assertDelayMs('maxDelayMs', options.maxDelayMs ?? 5_000, 0),
    multiplier: assertNumber('multiplier', options.multiplier ?? 2, 1),
    jitter,
    retryOn: options.retryOn ?? isRetryable,
    random: options.random ?? (() => Math.random()),
    shutdownTimeoutMs: assertDelayMs(
      'shutdownTimeoutMs',
      options.shutdownTimeoutMs ?? 30_000,
      0,
      true,
    ),
    estimateBytes: options.estimateBytes ?? estimateSpanBytes,
    onExportError: options.onExportError,
    clock: options.clock === undefined ? systemClock : assertClock('clock', options.clock),
  };
}

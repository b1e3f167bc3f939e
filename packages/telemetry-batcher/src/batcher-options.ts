import { type Clock, systemClock } from './clock.js';
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
   * Retries of a failed batch before its spans are dropped (and counted). 0 disables retry.
   * @default 3
   */
  maxRetries?: number;
  /**
   * Delay before the first retry; doubles on each further one.
   * @default 200
   */
  retryBaseDelayMs?: number;
  /**
   * Upper bound of the retry delay.
   * @default 5_000
   */
  retryMaxDelayMs?: number;
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
  if (options.estimateBytes !== undefined && typeof options.estimateBytes !== 'function') {
    throw new TypeError('estimateBytes must be a function (span) => number');
  }
  if (options.onExportError !== undefined && typeof options.onExportError !== 'function') {
    throw new TypeError('onExportError must be a function (error, info) => void');
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
    maxRetries: assertInteger('maxRetries', options.maxRetries ?? 3, 0),
    retryBaseDelayMs: assertDelayMs('retryBaseDelayMs', options.retryBaseDelayMs ?? 200, 0),
    retryMaxDelayMs: assertDelayMs('retryMaxDelayMs', options.retryMaxDelayMs ?? 5_000, 0),
    shutdownTimeoutMs: assertDelayMs(
      'shutdownTimeoutMs',
      options.shutdownTimeoutMs ?? 30_000,
      0,
      true,
    ),
    estimateBytes: options.estimateBytes ?? estimateSpanBytes,
    onExportError: options.onExportError,
    clock: options.clock ?? systemClock,
  };
}

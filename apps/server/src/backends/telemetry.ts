import { join } from 'node:path';
import {
  JsonlFileExporter,
  OtlpHttpExporter,
  type Span,
  TelemetryBatcher,
} from '@x/telemetry-batcher';
import type { CallRecorder, CallSpan } from './types.js';

export interface SpanRecorderOptions {
  /** Directory of the rotating JSONL files (`spans.jsonl`, `spans.jsonl.1`, …). */
  dir: string;
  /** Rotate a file past this size (`telemetry.maxFileBytes`). */
  maxFileBytes: number;
  /** Rotated files kept (`telemetry.maxFiles`). */
  maxFiles: number;
  /** Export at least this often (`telemetry.flushIntervalMs`). */
  flushIntervalMs: number;
  /** Also export to this OTLP/HTTP traces endpoint. */
  otlpUrl?: string | undefined;
}

export function toSpan(call: CallSpan): Span {
  const span: Span = {
    name: `${call.category}.${call.tool}`,
    startTimeMs: call.startTimeMs,
    durationMs: call.durationMs,
    ok: call.ok,
    attributes: { category: call.category, tool: call.tool, cached: call.cached },
  };
  if (call.errorCode !== undefined) span.errorCode = call.errorCode;
  if (call.errorMessage !== undefined) span.errorMessage = call.errorMessage;
  return span;
}

/**
 * Records one span per call through `@x/telemetry-batcher`: rotating JSONL files always, OTLP
 * as well when a URL is configured. Recording is synchronous and never throws.
 */
export class SpanRecorder implements CallRecorder {
  readonly #batchers: TelemetryBatcher[];
  readonly path: string;

  constructor(options: SpanRecorderOptions) {
    this.path = join(options.dir, 'spans.jsonl');
    const { flushIntervalMs } = options;
    this.#batchers = [
      new TelemetryBatcher({
        exporter: new JsonlFileExporter({
          path: this.path,
          maxFileBytes: options.maxFileBytes,
          maxFiles: options.maxFiles,
        }),
        flushIntervalMs,
      }),
    ];
    if (options.otlpUrl) {
      this.#batchers.push(
        new TelemetryBatcher({
          exporter: new OtlpHttpExporter({ url: options.otlpUrl, serviceName: 'x-server' }),
          flushIntervalMs,
        }),
      );
    }
  }

  onCall(call: CallSpan): void {
    const span = toSpan(call);
    for (const batcher of this.#batchers) batcher.add(span);
  }

  async flush(): Promise<void> {
    await Promise.all(this.#batchers.map((batcher) => batcher.flush()));
  }

  /** Flushes what is queued and closes the files; idempotent. */
  async shutdown(): Promise<void> {
    await Promise.allSettled(this.#batchers.map((batcher) => batcher.shutdown()));
  }

  stats(): Record<string, number> {
    const figures = this.#batchers.map((batcher) => batcher.stats());
    const sum = (pick: (s: (typeof figures)[number]) => number) =>
      figures.reduce((total, s) => total + pick(s), 0);
    return {
      recorded: figures[0]?.added ?? 0,
      exported: sum((s) => s.exported),
      queued: sum((s) => s.queued),
      dropped: sum((s) => s.dropped),
      exportErrors: sum((s) => s.exportErrors),
    };
  }
}

import { join } from 'node:path';
import {
  JsonlFileExporter,
  OtlpHttpExporter,
  type Span,
  TelemetryBatcher,
} from '@x/telemetry-batcher';

/** One finished call, as the dispatcher reports it to telemetry and metrics. */
export interface CallSpan {
  category: string;
  tool: string;
  /** Epoch milliseconds. */
  startTimeMs: number;
  durationMs: number;
  ok: boolean;
  errorCode?: string;
  errorMessage?: string;
  /** Served from the result cache without running the tool. */
  cached: boolean;
}

/** Something that wants to hear about every finished call (telemetry, metrics). */
export interface CallObserver {
  onCall(span: CallSpan): void;
}

export interface SpanRecorderOptions {
  /** Directory of the rotating JSONL files (`spans.jsonl`, `spans.jsonl.1`, …). */
  dir: string;
  /** Rotate a file past this size. @default 10 MiB */
  maxFileBytes?: number;
  /** Rotated files kept. @default 5 */
  maxFiles?: number;
  /** Export at least this often. @default 5_000 */
  flushIntervalMs?: number;
  /** Also export to this OTLP/HTTP traces endpoint. @default undefined */
  otlpUrl?: string;
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
export class SpanRecorder implements CallObserver {
  readonly #batchers: TelemetryBatcher[];
  readonly path: string;

  constructor(options: SpanRecorderOptions) {
    this.path = join(options.dir, 'spans.jsonl');
    const flushIntervalMs = options.flushIntervalMs ?? 5_000;
    this.#batchers = [
      new TelemetryBatcher({
        exporter: new JsonlFileExporter({
          path: this.path,
          maxFileBytes: options.maxFileBytes ?? 10 * 1024 * 1024,
          maxFiles: options.maxFiles ?? 5,
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

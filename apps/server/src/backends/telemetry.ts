import { accessSync, constants, mkdirSync } from 'node:fs';
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
  /**
   * Hears why the JSONL files are off when `dir` cannot be created or written (a read-only
   * working directory, a path under a file): spans then go to OTLP only, if set. @default ignore
   */
  onWarning?: ((message: string) => void) | undefined;
}

/** Creates `dir` if needed; the reason it cannot hold files, or `undefined` when it can. */
export function unwritableDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function toSpan(call: CallSpan): Span {
  const attributes: NonNullable<Span['attributes']> = {
    category: call.category,
    tool: call.tool,
    cached: call.cached,
  };
  if (call.principal !== undefined) attributes['enduser.id'] = call.principal;
  const span: Span = {
    name: `${call.category}.${call.tool}`,
    startTimeMs: call.startTimeMs,
    durationMs: call.durationMs,
    ok: call.ok,
    attributes,
  };
  if (call.traceId !== undefined) {
    span.traceId = call.traceId;
    if (call.spanId !== undefined) span.spanId = call.spanId;
    if (call.parentSpanId !== undefined) span.parentSpanId = call.parentSpanId;
  }
  if (call.errorCode !== undefined) span.errorCode = call.errorCode;
  if (call.errorMessage !== undefined) span.errorMessage = call.errorMessage;
  return span;
}

/**
 * Records one span per call through `@x/telemetry-batcher`: rotating JSONL files always, OTLP
 * as well when a URL is configured. Recording is synchronous and never throws.
 */
export class SpanRecorder implements CallRecorder {
  readonly #batchers: TelemetryBatcher[] = [];
  /** The current JSONL file; `undefined` when its directory could not be created. */
  readonly path: string | undefined;

  constructor(options: SpanRecorderOptions) {
    const { flushIntervalMs } = options;
    const problem = unwritableDir(options.dir);
    if (problem === undefined) {
      this.path = join(options.dir, 'spans.jsonl');
      this.#batchers.push(
        new TelemetryBatcher({
          exporter: new JsonlFileExporter({
            path: this.path,
            maxFileBytes: options.maxFileBytes,
            maxFiles: options.maxFiles,
          }),
          flushIntervalMs,
        }),
      );
    } else {
      options.onWarning?.(
        `telemetry files are off: cannot write to ${options.dir} (${problem}). Calls are served without span files${options.otlpUrl ? ' (OTLP export goes on)' : ''}; set telemetry.dir (X_SERVER_TELEMETRY_DIR) to a writable folder, or telemetry.enabled to false.`,
      );
    }
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

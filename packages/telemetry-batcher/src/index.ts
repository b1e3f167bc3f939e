// Every public export is named here explicitly.

export { TelemetryBatcher } from './batcher.js';
export type {
  DropReason,
  ExportErrorInfo,
  TelemetryBatcherOptions,
  TelemetryBatcherStats,
} from './batcher-options.js';
export type { Clock, TimerHandle } from './clock.js';
export { systemClock } from './clock.js';
export type { TelemetryErrorCode } from './errors.js';
export {
  ExporterClosedError,
  ExportTimeoutError,
  isTelemetryError,
  OtlpExportError,
  ShutdownTimeoutError,
  SpanFileNotFoundError,
  TelemetryError,
} from './errors.js';
export { estimateSpanBytes } from './estimate-bytes.js';
export { formatSummary } from './format-summary.js';
export type { JsonlFileExporterOptions, JsonlFileExporterStats } from './jsonl-file-exporter.js';
export { JsonlFileExporter } from './jsonl-file-exporter.js';
export type { OtlpHttpExporterOptions, OtlpHttpExporterStats } from './otlp-http-exporter.js';
export { OtlpHttpExporter } from './otlp-http-exporter.js';
export type { OtlpAnyValue, OtlpKeyValue, OtlpSpan, OtlpTraceRequest } from './otlp-mapping.js';
export { toOtlpTraceRequest } from './otlp-mapping.js';
export type { ProcessLike, ShutdownHookOptions, ShutdownHookTarget } from './shutdown-hooks.js';
export { installShutdownHooks } from './shutdown-hooks.js';
export type { AttributeValue, ExportOptions, Span, SpanExporter } from './span.js';
export type { SpanNameSummary, SpanSummary } from './summarize.js';
export { summarize } from './summarize.js';

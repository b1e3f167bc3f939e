/** The `code` of every error `@x/telemetry-batcher` throws on purpose. */
export type TelemetryErrorCode =
  | 'ERR_TELEMETRY_EXPORT_TIMEOUT'
  | 'ERR_TELEMETRY_SHUTDOWN_TIMEOUT'
  | 'ERR_TELEMETRY_EXPORTER_CLOSED'
  | 'ERR_TELEMETRY_OTLP_HTTP_ERROR'
  | 'ERR_TELEMETRY_SPAN_FILE_NOT_FOUND';

const PREFIX = 'ERR_TELEMETRY_';

/**
 * Base class of every error this package throws on purpose; `code` is stable, the message says
 * what to do. Match on `code` (or with {@link isTelemetryError}) rather than `instanceof`,
 * which fails when two copies of the package are installed.
 */
export class TelemetryError extends Error {
  readonly code: TelemetryErrorCode;

  constructor(code: TelemetryErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An export took longer than `exportTimeoutMs`; its signal was aborted with this reason. */
export class ExportTimeoutError extends TelemetryError {
  static readonly code = 'ERR_TELEMETRY_EXPORT_TIMEOUT';
  declare readonly code: typeof ExportTimeoutError.code;
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(
      ExportTimeoutError.code,
      `Export did not finish within ${timeoutMs} ms and was aborted. Check that the destination is reachable, or raise exportTimeoutMs.`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** `shutdown()` ran out of `shutdownTimeoutMs`; exports still running were aborted with this reason. */
export class ShutdownTimeoutError extends TelemetryError {
  static readonly code = 'ERR_TELEMETRY_SHUTDOWN_TIMEOUT';
  declare readonly code: typeof ShutdownTimeoutError.code;
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(
      ShutdownTimeoutError.code,
      `Shutdown did not finish within ${timeoutMs} ms; remaining spans were dropped. Raise shutdownTimeoutMs if the destination is slow.`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** An exporter was used after its `shutdown()`. */
export class ExporterClosedError extends TelemetryError {
  static readonly code = 'ERR_TELEMETRY_EXPORTER_CLOSED';
  declare readonly code: typeof ExporterClosedError.code;

  constructor(exporter: string) {
    super(
      ExporterClosedError.code,
      `${exporter} is shut down and cannot export. Create a new exporter instead of reusing this one.`,
    );
  }
}

/** The OTLP collector answered with a non-2xx status. */
export class OtlpExportError extends TelemetryError {
  static readonly code = 'ERR_TELEMETRY_OTLP_HTTP_ERROR';
  declare readonly code: typeof OtlpExportError.code;
  readonly status: number;
  /**
   * True for 408, 429 and 5xx; false for answers that will never succeed on retry (400, 401,
   * 403, 404, 413…), which the batcher's default `retryOn` does not retry.
   */
  readonly retryable: boolean;

  constructor(url: string, status: number, body: string) {
    const retryable = status === 408 || status === 429 || status >= 500;
    super(
      OtlpExportError.code,
      `OTLP collector at ${url} answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}. ${
        retryable
          ? 'The export will be retried.'
          : 'Check the URL, the headers (authentication) and the payload size.'
      }`,
    );
    this.status = status;
    this.retryable = retryable;
  }
}

/** No span file was found at the path given to `summarize()` (nor any rotated sibling). */
export class SpanFileNotFoundError extends TelemetryError {
  static readonly code = 'ERR_TELEMETRY_SPAN_FILE_NOT_FOUND';
  declare readonly code: typeof SpanFileNotFoundError.code;
  readonly path: string;

  constructor(path: string) {
    super(
      SpanFileNotFoundError.code,
      `No span file at ${path} (nor rotated ${path}.1, ${path}.2…). Pass the path given to JsonlFileExporter.`,
    );
    this.path = path;
  }
}

/**
 * Whether `error` is one of this package's errors (with that `code`, when given). It checks the
 * `code` (a string starting with `ERR_TELEMETRY_`), not the prototype, so it also recognises
 * errors from another installed copy of `@x/telemetry-batcher`.
 *
 * @example
 * onExportError: (error) => {
 *   if (isTelemetryError(error, 'ERR_TELEMETRY_EXPORT_TIMEOUT')) console.warn(error.timeoutMs);
 * }
 */
export function isTelemetryError(
  error: unknown,
  code: 'ERR_TELEMETRY_EXPORT_TIMEOUT',
): error is ExportTimeoutError;
export function isTelemetryError(
  error: unknown,
  code: 'ERR_TELEMETRY_SHUTDOWN_TIMEOUT',
): error is ShutdownTimeoutError;
export function isTelemetryError(
  error: unknown,
  code: 'ERR_TELEMETRY_EXPORTER_CLOSED',
): error is ExporterClosedError;
export function isTelemetryError(
  error: unknown,
  code: 'ERR_TELEMETRY_OTLP_HTTP_ERROR',
): error is OtlpExportError;
export function isTelemetryError(
  error: unknown,
  code: 'ERR_TELEMETRY_SPAN_FILE_NOT_FOUND',
): error is SpanFileNotFoundError;
export function isTelemetryError(
  error: unknown,
  code?: TelemetryErrorCode,
): error is TelemetryError;
export function isTelemetryError(error: unknown, code?: TelemetryErrorCode): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const actual = (error as { code?: unknown }).code;
  return (
    typeof actual === 'string' &&
    actual.startsWith(PREFIX) &&
    (code === undefined || actual === code)
  );
}

/** Base class of every error this package throws; `code` is stable, the message says what to do. */
export class TelemetryError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An export took longer than `exportTimeoutMs`; its signal was aborted with this reason. */
export class ExportTimeoutError extends TelemetryError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(
      'EXPORT_TIMEOUT',
      `Export did not finish within ${timeoutMs} ms and was aborted. Check that the destination is reachable, or raise exportTimeoutMs.`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** `shutdown()` ran out of `shutdownTimeoutMs`; exports still running were aborted with this reason. */
export class ShutdownTimeoutError extends TelemetryError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(
      'SHUTDOWN_TIMEOUT',
      `Shutdown did not finish within ${timeoutMs} ms; remaining spans were dropped. Raise shutdownTimeoutMs if the destination is slow.`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** An exporter was used after its `shutdown()`. */
export class ExporterClosedError extends TelemetryError {
  constructor(exporter: string) {
    super(
      'EXPORTER_CLOSED',
      `${exporter} is shut down and cannot export. Create a new exporter instead of reusing this one.`,
    );
  }
}

/** The OTLP collector answered with a non-2xx status. */
export class OtlpExportError extends TelemetryError {
  readonly status: number;
  /** False for answers that will never succeed on retry (400, 401, 403, 404, 413…). */
  readonly retryable: boolean;

  constructor(url: string, status: number, body: string) {
    const retryable = status === 408 || status === 429 || status >= 500;
    super(
      'OTLP_HTTP_ERROR',
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
  readonly path: string;

  constructor(path: string) {
    super(
      'SPAN_FILE_NOT_FOUND',
      `No span file at ${path} (nor rotated ${path}.1, ${path}.2…). Pass the path given to JsonlFileExporter.`,
    );
    this.path = path;
  }
}

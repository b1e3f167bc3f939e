import { describe, expect, it } from 'vitest';
import {
  ExporterClosedError,
  ExportTimeoutError,
  isTelemetryError,
  OtlpExportError,
  ShutdownTimeoutError,
  SpanFileNotFoundError,
  TelemetryError,
  type TelemetryErrorCode,
} from '../src/index.js';

const errors = [
  [ExportTimeoutError, new ExportTimeoutError(50), 'ERR_TELEMETRY_EXPORT_TIMEOUT'],
  [ShutdownTimeoutError, new ShutdownTimeoutError(50), 'ERR_TELEMETRY_SHUTDOWN_TIMEOUT'],
  [
    ExporterClosedError,
    new ExporterClosedError('JsonlFileExporter'),
    'ERR_TELEMETRY_EXPORTER_CLOSED',
  ],
  [
    OtlpExportError,
    new OtlpExportError('http://c/v1/traces', 400, ''),
    'ERR_TELEMETRY_OTLP_HTTP_ERROR',
  ],
  [
    SpanFileNotFoundError,
    new SpanFileNotFoundError('spans.jsonl'),
    'ERR_TELEMETRY_SPAN_FILE_NOT_FOUND',
  ],
] as const;

describe('errors', () => {
  it.each(errors)(
    '%o extends TelemetryError with a static and instance code',
    (Class, error, code) => {
      expect(error).toBeInstanceOf(TelemetryError);
      expect(error.code).toBe(code);
      expect(Class.code).toBe(code);
      expect(error.name).toBe(Class.name);
    },
  );

  it('recognises its errors by code, with or without a code to match', () => {
    const error = new ExportTimeoutError(50);

    expect(isTelemetryError(error)).toBe(true);
    expect(isTelemetryError(error, 'ERR_TELEMETRY_EXPORT_TIMEOUT')).toBe(true);
    expect(isTelemetryError(error, 'ERR_TELEMETRY_SHUTDOWN_TIMEOUT')).toBe(false);
  });

  it('recognises an error from another copy of the package, which instanceof misses', () => {
    const code: TelemetryErrorCode = 'ERR_TELEMETRY_EXPORT_TIMEOUT';
    const foreign = Object.assign(new Error('from another copy'), { code, timeoutMs: 50 });

    expect(foreign).not.toBeInstanceOf(TelemetryError);
    expect(isTelemetryError(foreign, 'ERR_TELEMETRY_EXPORT_TIMEOUT')).toBe(true);
  });

  it.each([
    null,
    undefined,
    'ERR_TELEMETRY_EXPORT_TIMEOUT',
    new Error('plain'),
    Object.assign(new Error('fs'), { code: 'ENOENT' }),
    { code: 42 },
  ])('rejects %o', (value) => {
    expect(isTelemetryError(value)).toBe(false);
  });
});

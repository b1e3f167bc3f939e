import { randomBytes } from 'node:crypto';
import type { AttributeValue, Span } from './span.js';

/** OTLP/JSON `AnyValue`, as much of it as spans use. */
export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  // proto3 JSON writes the non-finite doubles as strings; JSON has no NaN.
  | { doubleValue: number | 'NaN' | 'Infinity' | '-Infinity' };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  status: { code: number; message?: string };
}

/** The body of `POST /v1/traces` (ExportTraceServiceRequest) in OTLP/JSON. */
export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

export interface OtlpResource {
  serviceName: string;
  resourceAttributes?: Record<string, AttributeValue>;
  scopeName: string;
}

// OTLP's enums: SpanKind INTERNAL = 1; StatusCode UNSET = 0, OK = 1, ERROR = 2.
const SPAN_KIND_INTERNAL = 1;
const STATUS_UNSET = 0;
const STATUS_OK = 1;
const STATUS_ERROR = 2;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** Maps spans to an OTLP/JSON trace request; missing or malformed ids are generated. */
export function toOtlpTraceRequest(
  spans: readonly Span[],
  resource: OtlpResource,
): OtlpTraceRequest {
  const resourceAttributes: OtlpKeyValue[] = [
    { key: 'service.name', value: { stringValue: resource.serviceName } },
  ];
  for (const [key, value] of Object.entries(resource.resourceAttributes ?? {})) {
    if (key !== 'service.name' && value != null) {
      resourceAttributes.push({ key, value: toAnyValue(value) });
    }
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: resourceAttributes },
        scopeSpans: [{ scope: { name: resource.scopeName }, spans: spans.map(toOtlpSpan) }],
      },
    ],
  };
}

function toOtlpSpan(span: Span): OtlpSpan {
  const attributes: OtlpKeyValue[] = [];
  if (span.attributes !== undefined) {
    for (const [key, value] of Object.entries(span.attributes)) {
      // Left out like JSON.stringify leaves it out of the JSONL line.
      if (value != null) attributes.push({ key, value: toAnyValue(value) });
    }
  }
  if (span.errorCode !== undefined) {
    attributes.push({ key: 'error.type', value: { stringValue: String(span.errorCode) } });
  }
  const failed = span.ok === false || span.errorCode !== undefined;
  const status: OtlpSpan['status'] = {
    code: failed ? STATUS_ERROR : span.ok === true ? STATUS_OK : STATUS_UNSET,
  };
  const message = span.errorMessage ?? span.errorCode;
  if (failed && message !== undefined) status.message = String(message);
  const otlp: OtlpSpan = {
    traceId: isId(span.traceId, TRACE_ID) ? span.traceId : randomHex(16),
    spanId: isId(span.spanId, SPAN_ID) ? span.spanId : randomHex(8),
    name: String(span.name),
    kind: SPAN_KIND_INTERNAL,
    startTimeUnixNano: msToUnixNano(span.startTimeMs),
    endTimeUnixNano: msToUnixNano(span.startTimeMs + span.durationMs),
    attributes,
    status,
  };
  if (isId(span.parentSpanId, SPAN_ID)) otlp.parentSpanId = span.parentSpanId;
  return otlp;
}

function toAnyValue(value: AttributeValue): OtlpAnyValue {
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') {
    // OTLP/JSON carries int64 as a decimal string.
    if (Number.isSafeInteger(value)) return { intValue: String(value) };
    if (Number.isFinite(value)) return { doubleValue: value };
    // JSON.stringify would turn NaN into null, which makes a collector refuse the whole batch.
    return { doubleValue: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  }
  return { stringValue: String(value) };
}

/** Epoch milliseconds (fractions allowed) as OTLP's decimal nanosecond string, without float overflow. */
export function msToUnixNano(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0';
  const whole = Math.trunc(ms);
  const fractionNs = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(fractionNs)).toString();
}

function isId(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value) && !/^0+$/.test(value);
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

import { randomBytes } from 'node:crypto';
import type { TraceContext } from '../catalog/index.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** One call's place in a distributed trace: its span, the caller's span, and what a peer gets. */
export interface CallTrace {
  traceId: string;
  /** This call's own span id, new for every call. */
  spanId: string;
  /** The caller's span: the `parent-id` of the traceparent it sent. */
  parentSpanId: string;
  /** The trace context a peer receives: the same trace, this call's span as its parent. */
  child: TraceContext;
}

/**
 * The call's trace from the caller's W3C trace context (`_meta.traceparent` / `tracestate`), or
 * `undefined` when there is none or it is malformed (version `ff`, all-zero ids, wrong lengths):
 * a bad header starts no trace rather than failing the call, as the W3C spec asks.
 */
export function callTrace(trace: TraceContext | undefined): CallTrace | undefined {
  if (!trace || typeof trace.traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(trace.traceparent.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, parentSpanId, flags] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (version === 'ff' || traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return undefined;
  const spanId = randomBytes(8).toString('hex');
  const child: TraceContext = { traceparent: `00-${traceId}-${spanId}-${flags}` };
  if (typeof trace.tracestate === 'string' && trace.tracestate !== '') {
    child.tracestate = trace.tracestate;
  }
  return { traceId, spanId, parentSpanId, child };
}

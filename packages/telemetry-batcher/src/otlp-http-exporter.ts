import { assertClock, type Clock, systemClock } from './clock.js';
import { ExporterClosedError, ExportTimeoutError, OtlpExportError } from './errors.js';
import { toOtlpTraceRequest } from './otlp-mapping.js';
import type { AttributeValue, ExportOptions, Span, SpanExporter } from './span.js';
import { assertInteger, MAX_TIMER_MS } from './validate.js';

export interface OtlpHttpExporterOptions {
  /**
   * The collector's traces endpoint (OTLP/HTTP, JSON encoding).
   * @default 'http://127.0.0.1:4318/v1/traces'
   */
  url?: string;
  /**
   * The resource's `service.name`.
   * @default 'unknown_service'
   */
  serviceName?: string;
  /** More resource attributes, e.g. `{ 'service.version': '1.2.0' }`. @default {} */
  resourceAttributes?: Record<string, AttributeValue>;
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }`. @default {} */
  headers?: Record<string, string>;
  /**
   * Per request: after this long the request is aborted and the export fails.
   * @default 10_000
   */
  timeoutMs?: number;
  /** Instrumentation scope name on every batch. @default '@x/telemetry-batcher' */
  scopeName?: string;
  /** The `fetch` to use (a proxy-aware one, a test double). @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Timers, for tests. The request timeout is ref'd while the request runs (the caller awaits
   * it) and cleared when it settles.
   * @default systemClock
   */
  clock?: Clock;
}

export interface OtlpHttpExporterStats {
  /** Requests that got a 2xx answer. */
  requests: number;
  /** Requests that failed: network error, timeout or non-2xx. */
  failures: number;
  spansSent: number;
  /** Spans the collector reported as rejected in a partial success. */
  rejectedSpans: number;
}

/**
 * Sends batches to an OpenTelemetry collector over OTLP/HTTP with JSON encoding, using the
 * global `fetch`; no OpenTelemetry package is needed at runtime.
 */
export class OtlpHttpExporter implements SpanExporter {
  readonly url: string;
  readonly #serviceName: string;
  readonly #resourceAttributes: Record<string, AttributeValue>;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #scopeName: string;
  readonly #fetch: typeof fetch;
  readonly #clock: Clock;
  #closed = false;
  #requests = 0;
  #failures = 0;
  #spansSent = 0;
  #rejectedSpans = 0;

  constructor(options: OtlpHttpExporterOptions = {}) {
    const url = options.url ?? 'http://127.0.0.1:4318/v1/traces';
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new TypeError(
        `url must be an http(s) URL such as http://127.0.0.1:4318/v1/traces, got ${url}`,
      );
    }
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') {
      throw new TypeError('fetch must be a function; pass one when globalThis.fetch is missing');
    }
    this.url = url;
    this.#serviceName = options.serviceName ?? 'unknown_service';
    this.#resourceAttributes = options.resourceAttributes ?? {};
    this.#headers = options.headers ?? {};
    this.#timeoutMs = assertInteger('timeoutMs', options.timeoutMs ?? 10_000, 1, MAX_TIMER_MS);
    this.#scopeName = options.scopeName ?? '@x/telemetry-batcher';
    this.#fetch = fetchImpl;
    this.#clock = options.clock === undefined ? systemClock : assertClock('clock', options.clock);
  }

  async export(spans: readonly Span[], options?: ExportOptions): Promise<void> {
    if (this.#closed) throw new ExporterClosedError('OtlpHttpExporter');
    const body = JSON.stringify(
      toOtlpTraceRequest(spans, {
        serviceName: this.#serviceName,
        resourceAttributes: this.#resourceAttributes,
        scopeName: this.#scopeName,
      }),
    );
    const controller = new AbortController();
    const outer = options?.signal;
    const onOuterAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    // Guards work the caller awaits, so it stays ref'd (the timer rule); cleared in `finally`.
    const timer = this.#clock.setTimeout(
      () => controller.abort(new ExportTimeoutError(this.#timeoutMs)),
      this.#timeoutMs,
    );
    try {
      const response = await this.#fetch(this.url, {
        method: 'POST',
        headers: { ...this.#headers, 'content-type': 'application/json' },
        body,
        signal: controller.signal,
      });
      const text = await response.text();
      if (!response.ok) throw new OtlpExportError(this.url, response.status, text);
      this.#requests++;
      this.#spansSent += spans.length;
      this.#rejectedSpans += rejectedSpans(text);
    } catch (error) {
      this.#failures++;
      // fetch rejects with its own AbortError; the signal's reason says why it was aborted.
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      this.#clock.clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  /** Refuses further exports. Idempotent; there is nothing to close with fetch. */
  async shutdown(): Promise<void> {
    this.#closed = true;
  }

  stats(): OtlpHttpExporterStats {
    return {
      requests: this.#requests,
      failures: this.#failures,
      spansSent: this.#spansSent,
      rejectedSpans: this.#rejectedSpans,
    };
  }
}

function rejectedSpans(text: string): number {
  if (text === '') return 0;
  try {
    const parsed = JSON.parse(text) as { partialSuccess?: { rejectedSpans?: unknown } };
    return Number(parsed.partialSuccess?.rejectedSpans ?? 0) || 0;
  } catch {
    return 0;
  }
}

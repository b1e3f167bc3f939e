import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CallObserver, CallSpan, GuardState } from './types.js';

/** What the metrics read at scrape time. */
export interface MetricsSources {
  cacheHitRate: () => number;
  breakerStates: () => Record<string, GuardState>;
  queue: () => { queued: number; running: number };
  sessions: () => number;
  /** Failed or timed-out Redis commands of the shared features (none without Redis). */
  sharedErrors?: () => number;
}

export interface ServerMetricsOptions {
  /** Also export Node.js process metrics. @default false */
  defaultMetrics?: boolean;
  /**
   * The instance's name, exported as `x_server_instance_info{instance_id="…"} 1` (Prometheus
   * keeps its own `instance` label for the scrape target). @default no such series
   */
  instanceId?: string;
}

interface ToolChildren {
  ok: { inc(): void };
  cached: { inc(): void };
  error: { inc(): void };
  duration: { observe(value: number): void };
}

const STATE_VALUE: Record<GuardState, number> = {
  closed: 0,
  'half-open': 1,
  open: 2,
  'forced-open': 2,
  disabled: -1,
};

/**
 * Prometheus metrics on a registry of its own (never the global one, so two servers in one
 * process do not collide). Gauges are read at scrape time, so they cost nothing between scrapes.
 */
export class ServerMetrics implements CallObserver {
  readonly registry = new Registry();
  readonly #calls: Counter<'category' | 'tool' | 'outcome'>;
  readonly #errors: Counter<'category' | 'tool' | 'code'>;
  readonly #duration: Histogram<'category' | 'tool'>;
  readonly #byPrincipal: Counter<'principal' | 'category' | 'outcome'>;
  readonly #children = new Map<string, ToolChildren>();

  constructor(sources: MetricsSources, options: ServerMetricsOptions = {}) {
    const registers = [this.registry];
    if (options.instanceId !== undefined) {
      new Gauge({
        name: 'x_server_instance_info',
        help: 'The name of this x-server instance (cluster.instanceId), always 1.',
        labelNames: ['instance_id'],
        registers,
      }).set({ instance_id: options.instanceId }, 1);
    }
    this.#calls = new Counter({
      name: 'x_server_calls_total',
      help: 'Tool calls by category, tool and outcome (ok, error, cached).',
      labelNames: ['category', 'tool', 'outcome'],
      registers,
    });
    this.#errors = new Counter({
      name: 'x_server_call_errors_total',
      help: 'Failed tool calls by category, tool and error code.',
      labelNames: ['category', 'tool', 'code'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'x_server_call_duration_seconds',
      help: 'Tool call latency, from dispatch to answer.',
      labelNames: ['category', 'tool'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    // Only calls whose span names its caller (`http.auth.principalInSpans`) count here.
    this.#byPrincipal = new Counter({
      name: 'x_server_principal_calls_total',
      help: 'Tool calls by caller (token subject or client id), category and outcome; with http.auth.principalInSpans only.',
      labelNames: ['principal', 'category', 'outcome'],
      registers,
    });
    new Gauge({
      name: 'x_server_cache_hit_ratio',
      help: 'Share of cacheable lookups served from the cache (0..1).',
      registers,
      collect() {
        this.set(sources.cacheHitRate());
      },
    });
    new Gauge({
      name: 'x_server_breaker_state',
      help: 'Circuit state per category: 0 closed, 1 half-open, 2 open, -1 disabled.',
      labelNames: ['category'],
      registers,
      collect() {
        this.reset();
        for (const [category, state] of Object.entries(sources.breakerStates())) {
          this.set({ category }, STATE_VALUE[state]);
        }
      },
    });
    new Gauge({
      name: 'x_server_queue_depth',
      help: 'Calls waiting for a scheduler slot.',
      registers,
      collect() {
        this.set(sources.queue().queued);
      },
    });
    new Gauge({
      name: 'x_server_calls_running',
      help: 'Calls holding a scheduler slot.',
      registers,
      collect() {
        this.set(sources.queue().running);
      },
    });
    new Gauge({
      name: 'x_server_http_sessions',
      help: 'Open Streamable HTTP sessions.',
      registers,
      collect() {
        this.set(sources.sessions());
      },
    });
    const sharedErrors = sources.sharedErrors;
    if (sharedErrors) {
      new Gauge({
        name: 'x_server_shared_errors',
        help: 'Redis commands of the shared features that failed or timed out (the calls went on per instance).',
        registers,
        collect() {
          this.set(sharedErrors());
        },
      });
    }
    if (options.defaultMetrics)
      collectDefaultMetrics({ register: this.registry, prefix: 'x_server_' });
  }

  onCall(span: CallSpan): void {
    // Names a client made up must not become label values: that would grow the registry forever.
    const unknown = span.errorCode === 'UNKNOWN_CATEGORY' || span.errorCode === 'UNKNOWN_TOOL';
    const category = unknown ? '(unknown)' : span.category;
    const tool = unknown ? '(unknown)' : span.tool;
    const children = this.#childrenFor(category, tool);
    (span.ok ? (span.cached ? children.cached : children.ok) : children.error).inc();
    if (!span.ok) this.#errors.inc({ category, tool, code: span.errorCode ?? 'UNKNOWN' });
    children.duration.observe(span.durationMs / 1000);
    if (span.principal !== undefined) {
      const outcome = span.ok ? (span.cached ? 'cached' : 'ok') : 'error';
      this.#byPrincipal.inc({ principal: span.principal, category, outcome });
    }
  }

  // Label children are looked up once per tool: hashing the labels on every call is the
  // dearest part of recording a call.
  #childrenFor(category: string, tool: string): ToolChildren {
    const key = `${category}\u0000${tool}`;
    let children = this.#children.get(key);
    if (!children) {
      children = {
        ok: this.#calls.labels(category, tool, 'ok'),
        cached: this.#calls.labels(category, tool, 'cached'),
        error: this.#calls.labels(category, tool, 'error'),
        duration: this.#duration.labels(category, tool),
      };
      this.#children.set(key, children);
    }
    return children;
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

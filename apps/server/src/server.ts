import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Clock } from '@x/dag';
import { Scheduler } from '@x/scheduler';
import { version } from '../package.json';
import { demoCategory } from './catalog/builtins/demo.js';
import { fsCategory } from './catalog/builtins/fs.js';
import { textCategory } from './catalog/builtins/text.js';
import { timeCategory } from './catalog/builtins/time.js';
import { pluginCategory } from './catalog/plugins.js';
import { CategoryRegistry, type CategorySpec } from './catalog/registry.js';
import type { XServerConfig } from './config/schema.js';
import { Dispatcher } from './pipeline/dispatcher.js';
import { IdempotencyStore } from './pipeline/idempotency.js';
import type { ServerMetrics } from './backends/metrics.js';
import type { PeerTransportFactory } from './peers/connection.js';
import { PeerGateway } from './peers/gateway.js';
import type { CategoryGuard } from './backends/breaker.js';
import type { ResultCache } from './backends/cache.js';
import type { CallScheduler } from './backends/scheduler.js';
import type { CallObserver } from './backends/telemetry.js';
import { registerCallTools } from './mcp/call-tools.js';
import { registerCatalogTools, SchemaCache } from './mcp/catalog-tools.js';
import { registerWorkflowTools } from './mcp/workflow-tools.js';
import { WorkflowRunner } from './workflows/runner.js';
import { TemplateLibrary } from './workflows/templates.js';

/** The four backends every call goes through; each is one of our packages behind a seam. */
export interface Seams {
  scheduler: CallScheduler;
  guard: CategoryGuard;
  cache: ResultCache;
  /** Records one span per call; flushed and shut down with the server. */
  telemetry: CallObserver & { shutdown(): Promise<void>; stats(): Record<string, number> };
}

export interface XServerOptions {
  config: XServerConfig;
  /** The backends; build them with `createSeams(config)`. */
  seams: Seams;
  /** Where relative plugin module paths resolve from. @default process.cwd() */
  baseDir?: string;
  /** Categories registered besides the configured built-ins and plugins. @default [] */
  categories?: CategorySpec[];
  /** With `enableMetrics()`, also export Node.js process metrics. @default false */
  defaultMetrics?: boolean;
  /** Opens transports to peers. @default stdio for a `command`, Streamable HTTP for a `url` */
  peerTransport?: PeerTransportFactory;
  /** Clock of workflow runs (timings, step timeouts, retry delays). @default the system clock */
  workflowClock?: Clock;
  /** Monotonic clock for the shutdown grace period. @default performance.now */
  monotonic?: () => number;
}

export const SERVER_NAME = 'x-server';
export const SERVER_VERSION: string = version;

/**
 * Everything a transport needs, shared by every session: the category registry, the dispatcher
 * and its backends, metrics. `createMcpServer()` makes one MCP server per session on top.
 */
export class XServer {
  readonly config: XServerConfig;
  readonly registry = new CategoryRegistry();
  readonly dispatcher: Dispatcher;
  readonly #observers: CallObserver[];
  readonly #defaultMetrics: boolean;
  #metrics: Promise<ServerMetrics> | undefined;
  readonly schemas = new SchemaCache();
  readonly idempotency: IdempotencyStore;
  /** The peer MCP servers of the config, each a category. */
  readonly peers: PeerGateway;
  readonly templates: TemplateLibrary;
  readonly workflows: WorkflowRunner;
  readonly #stepScheduler: Scheduler<'run'>;
  readonly #seams: Seams;
  readonly #startedAt = Date.now();
  readonly #monotonic: () => number;
  #sessionCount: () => number = () => 0;
  #closing: Promise<void> | undefined;

  constructor(options: XServerOptions) {
    const { config, seams } = options;
    this.config = config;
    this.#seams = seams;
    this.#monotonic = options.monotonic ?? (() => performance.now());
    const builtins: Record<string, () => CategorySpec> = {
      text: () => textCategory(),
      time: () => timeCategory(),
      fs: () => fsCategory(config.fs.root),
      demo: () => demoCategory(),
    };
    for (const name of config.builtins) this.registry.register(builtins[name]!());
    for (const plugin of config.plugins) {
      this.registry.register(pluginCategory(plugin, options.baseDir ?? process.cwd()));
    }
    this.peers = new PeerGateway({
      peers: config.peers,
      gateway: config.gateway,
      clientInfo: { name: SERVER_NAME, version: SERVER_VERSION },
      ...(options.peerTransport ? { transport: options.peerTransport } : {}),
      now: this.#monotonic,
      onToolsChanged: (peer) => {
        this.registry.invalidate(peer);
        this.schemas.forget(peer);
      },
    });
    for (const spec of this.peers.categories()) this.registry.register(spec);
    for (const spec of options.categories ?? []) this.registry.register(spec);

    this.#defaultMetrics = options.defaultMetrics ?? false;
    this.#observers = [seams.telemetry];
    this.idempotency = new IdempotencyStore({
      windowMs: config.idempotency.windowMs,
      maxKeys: config.idempotency.maxKeys,
    });
    this.dispatcher = new Dispatcher({
      registry: this.registry,
      scheduler: seams.scheduler,
      guard: seams.guard,
      cache: seams.cache,
      idempotency: this.idempotency,
      observers: this.#observers,
      categoryPriority: (category) =>
        config.categories[category]?.priority ??
        (this.registry.has(category) ? (this.registry.spec(category).priority ?? 0) : 0),
      defaultCacheTtlMs: config.cache.defaultTtlMs,
    });
    this.templates = new TemplateLibrary({
      templates: config.workflows.templates,
      dir: config.workflows.dir,
    });
    // Steps of every run share these slots, the longest remaining path first (dag's priority).
    this.#stepScheduler = new Scheduler({
      policy: 'priority',
      concurrency: config.workflows.maxConcurrentSteps,
    });
    this.workflows = new WorkflowRunner({
      dispatcher: this.dispatcher,
      templates: this.templates,
      scheduler: this.#stepScheduler,
      hasCategory: (category) => this.registry.has(category),
      ...(options.workflowClock ? { clock: options.workflowClock } : {}),
    });
  }

  /** A fresh MCP server exposing the model-facing tools; one per session or stdio connection. */
  createMcpServer(): McpServer {
    const server = new McpServer(
      { name: SERVER_NAME, version: SERVER_VERSION },
      {
        capabilities: { tools: {} },
        instructions:
          'Tools are grouped in categories. Call list_categories, then list_tools or search_tools, get_tool_schema, and call a tool with dispatch (or many with dispatch_parallel). workflow_run runs a DAG of calls, inline or from list_workflow_templates.',
      },
    );
    registerCatalogTools(server, this.registry, this.schemas);
    registerCallTools(server, this.dispatcher, () => this.stats());
    registerWorkflowTools(server, this.workflows, this.templates);
    return server;
  }

  /**
   * Starts Prometheus metrics for every later call and resolves with them; idempotent. Loaded on
   * demand (the HTTP transport does it for /metrics) so stdio start-up never pays for prom-client.
   */
  enableMetrics(): Promise<ServerMetrics> {
    this.#metrics ??= import('./backends/metrics.js').then(({ ServerMetrics }) => {
      const seams = this.#seams;
      const metrics = new ServerMetrics(
        {
          cacheHitRate: () => seams.cache.stats().hitRate,
          breakerStates: () => seams.guard.states(),
          queue: () => seams.scheduler.stats(),
          sessions: () => this.#sessionCount(),
        },
        { defaultMetrics: this.#defaultMetrics },
      );
      this.#observers.push(metrics);
      return metrics;
    });
    return this.#metrics;
  }

  /** Lets the HTTP transport report its session count in stats and metrics. */
  setSessionCounter(count: () => number): void {
    this.#sessionCount = count;
  }

  stats(): Record<string, unknown> {
    return {
      uptimeMs: Date.now() - this.#startedAt,
      sessions: this.#sessionCount(),
      dispatcher: this.dispatcher.stats(),
      registry: this.registry.stats(),
      scheduler: this.#seams.scheduler.stats(),
      cache: this.#seams.cache.stats(),
      breakers: this.#seams.guard.states(),
      idempotency: this.idempotency.stats(),
      schemas: this.schemas.stats(),
      telemetry: this.#seams.telemetry.stats(),
      peers: this.peers.stats(),
      workflows: { ...this.workflows.stats(), ...this.templates.stats() },
    };
  }

  /**
   * Stops accepting calls, waits up to `shutdownGraceMs` for the ones in flight (aborting the
   * rest), then flushes telemetry and closes the cache, the categories and the peer connections
   * (peer listings in flight get what is left of the grace period; stdio peers' processes end,
   * killed if still running a fixed margin after it). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const graceMs = this.config.shutdownGraceMs;
      const startedAt = this.#monotonic();
      await this.dispatcher.drain(graceMs);
      // Peer listings still running (list_tools) get what is left of the same grace period.
      const leftMs = Math.max(0, graceMs - (this.#monotonic() - startedAt));
      await Promise.allSettled([
        this.#seams.telemetry.shutdown(),
        this.#seams.cache.close(),
        this.registry.close(),
        this.peers.close(leftMs),
        this.#stepScheduler.close(),
      ]);
    })();
    return this.#closing;
  }
}

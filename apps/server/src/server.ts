import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  InMemoryServerEventBus,
  type Server,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { Clock } from '@x/dag';
import { Scheduler } from '@x/scheduler';
import { version } from '../package.json';
import { type Backends, createBackends, LocalCoalescer } from './backends/index.js';
import { instanceIdOf } from './backends/instance.js';
import type { ServerMetrics } from './backends/metrics.js';
import type { SharedState } from './backends/redis-shared.js';
import {
  builtinCategories,
  CategoryRegistry,
  type CategorySpec,
  pluginCategory,
  SchemaCache,
} from './catalog/index.js';
import type { XServerConfig } from './config/index.js';
import { Dashboard, DashboardServer, dashboardSource } from './dashboard/index.js';
import {
  buildMcpDefinitions,
  type CallShortcut,
  callShortcut,
  createMcpServer,
  DirectTools,
  type McpDefinitions,
} from './mcp/index.js';
import type { PeerFeatureHub } from './mcp/peer-features.js';
import type { PeerFeatures } from './peers/features.js';
import { exposurePlan, type PeerGateway, type PeerTransportFactory } from './peers/index.js';
import { Dispatcher, IdempotencyStore } from './pipeline/index.js';
import { servePeers } from './server-peers.js';
import {
  HttpTransport,
  type McpHost,
  type ServerTransport,
  type StdioOptions,
  StdioTransport,
} from './transport/index.js';
import { TemplateLibrary, WorkflowRunner } from './workflows/index.js';

export interface XServerOptions {
  config: XServerConfig;
  /** The backends every call goes through; `XServer.create()` builds the embedded ones. */
  backends: Backends;
  /** Where relative plugin module paths resolve from. @default process.cwd() */
  baseDir?: string;
  /** Categories registered besides the configured built-ins, plugins and peers. @default [] */
  categories?: CategorySpec[];
  /** With metrics on, also export Node.js process metrics. @default false */
  defaultMetrics?: boolean;
  /** Opens transports to peers. @default stdio for a `command`, Streamable HTTP for a `url` */
  peerTransport?: PeerTransportFactory;
  /** Clock of workflow runs (timings, step timeouts, retry delays). @default the system clock */
  workflowClock?: Clock;
  /** Monotonic clock for the shutdown grace period. @default performance.now */
  monotonic?: () => number;
  /**
   * What instances on one Redis share (idempotency, coalescing, events). `XServer.create()`
   * builds it from `cache.redisUrl` and `cluster`. @default none: everything per instance
   */
  shared?: SharedState | undefined;
  /** Where problems found while serving go (a direct tool not served). @default stderr */
  log?: (message: string) => void;
}

export const SERVER_NAME = 'x-server';

/** What `GET /` answers when `http.auth` is set (the page asks for `http.token` only). */
const DASHBOARD_UNDER_OAUTH =
  'The dashboard is not served on this port while http.auth (OAuth) is set: a browser cannot send an access token with a page load. Run `x-server --dashboard` on the machine for a loopback-only page.';
export const SERVER_VERSION: string = version;

/**
 * The composition root: builds every layer from the config, wires them, and owns the shutdown
 * order. Transports carry it (`serveHttp()`, `serveStdio()`, or `attach()` one of your own);
 * each serving unit (a 2026-07-28 request, a 2025 session, a stdio connection) gets its own
 * light MCP server from `createMcpServer()` over the shared layers and tool definitions.
 */
export class XServer implements McpHost {
  readonly config: XServerConfig;
  readonly registry = new CategoryRegistry();
  readonly schemas = new SchemaCache();
  readonly dispatcher: Dispatcher;
  readonly idempotency: IdempotencyStore;
  /** The peer MCP servers of the config, each a category. */
  readonly peers: PeerGateway;
  /** The peers' resources, resource templates, prompts and completions (protocol level). */
  readonly peerFeatures: PeerFeatures;
  readonly #peerFeatureHub: PeerFeatureHub;
  readonly templates: TemplateLibrary;
  readonly workflows: WorkflowRunner;
  /** The live page (`GET /` over HTTP, or `serveDashboard()`): rolling figures per tool, runs. */
  readonly dashboard: Dashboard;
  /**
   * The change events every `subscriptions/listen` stream (2026-07-28) receives, shared by all
   * HTTP requests (and, with Redis, by every instance of the namespace). x-server publishes
   * `tools_list_changed` when its own `tools/list` answer changes: when a peer whose tools it
   * exposes directly (`expose`: `direct` or `both`) changes them.
   */
  readonly events: ServerEventBus;
  /** This instance's name (`cluster.instanceId`), in `server_stats` and `/metrics`. */
  readonly instanceId: string;
  readonly #shared: SharedState | undefined;
  readonly #definitions: McpDefinitions;
  /** The categories of `direct` and `both` peers, and the dispatcher of their direct calls. */
  readonly #directRegistry = new CategoryRegistry();
  readonly #direct: { tools: DirectTools; dispatcher: Dispatcher } | undefined;
  readonly #backends: Backends;
  readonly #stepScheduler: Scheduler<'run'>;
  readonly #transports = new Set<ServerTransport>();
  readonly #defaultMetrics: boolean;
  readonly #monotonic: () => number;
  readonly #startedAt = Date.now();
  #metrics: Promise<ServerMetrics> | undefined;
  #closing: Promise<void> | undefined;

  /** An XServer on the embedded backends of `options.config` (unless `backends` is given). */
  static async create(
    options: Omit<XServerOptions, 'backends'> & { backends?: Backends },
  ): Promise<XServer> {
    const backends = options.backends ?? (await createBackends(options.config));
    // Loaded only with a Redis URL: it pulls in a Redis client.
    const { config } = options;
    const shared =
      options.shared ??
      (config.cache.redisUrl !== undefined && config.cluster.shared
        ? (await import('./backends/redis-shared.js')).createSharedState(config)
        : undefined);
    return new XServer({ ...options, backends, shared });
  }

  constructor(options: XServerOptions) {
    const { config, backends } = options;
    this.config = config;
    this.#backends = backends;
    this.#monotonic = options.monotonic ?? (() => performance.now());
    this.#defaultMetrics = options.defaultMetrics ?? false;
    this.#shared = options.shared;
    this.instanceId = instanceIdOf(config);
    this.events = options.shared?.events ?? new InMemoryServerEventBus();

    for (const spec of builtinCategories(config.builtins, config.fs.root)) {
      this.registry.register(spec);
    }
    for (const plugin of config.plugins) {
      this.registry.register(pluginCategory(plugin, options.baseDir ?? process.cwd()));
    }
    // Which peers the meta-tools show and which tools/list shows (equal prefixes: ConfigError).
    const exposure = exposurePlan(config.peers);
    const served = servePeers({
      config,
      clientInfo: { name: SERVER_NAME, version: SERVER_VERSION },
      transport: options.peerTransport,
      now: this.#monotonic,
      events: this.events,
      registry: this.registry,
      directRegistry: this.#directRegistry,
      schemas: this.schemas,
      direct: () => this.#direct?.tools,
    });
    this.peers = served.gateway;
    this.peerFeatures = served.features;
    this.#peerFeatureHub = served.hub;
    for (const spec of options.categories ?? []) this.registry.register(spec);

    this.idempotency = new IdempotencyStore({
      ...config.idempotency,
      shared: options.shared?.idempotency,
    });
    // One pipeline (scheduler, breaker per category, cache, telemetry) for the catalog's calls
    // and the direct calls: two dispatchers over the same backends, one per registry.
    // With Redis, identical cacheable calls coalesce across instances too (one coalescer for both).
    const coalescer = options.shared?.coalescer(new LocalCoalescer());
    const dispatcherOf = (registry: CategoryRegistry) =>
      new Dispatcher({
        registry,
        scheduler: backends.scheduler,
        guard: backends.guard,
        cache: backends.cache,
        idempotency: this.idempotency,
        ...(coalescer ? { coalescer } : {}),
        observers: [backends.telemetry],
        categoryPriority: (category) =>
          config.categories[category]?.priority ??
          (registry.has(category) ? (registry.spec(category).priority ?? 0) : 0),
        defaultCacheTtlMs: config.cache.defaultTtlMs,
      });
    this.dispatcher = dispatcherOf(this.registry);
    if (exposure.direct.length > 0) {
      const dispatcher = dispatcherOf(this.#directRegistry);
      const log = options.log ?? ((line) => process.stderr.write(`[x-server] ${line}\n`));
      const tools = new DirectTools({
        peers: exposure.direct,
        registry: this.#directRegistry,
        dispatcher,
        events: this.events,
        log,
      });
      this.#direct = { tools, dispatcher };
    }
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
    this.dashboard = new Dashboard({
      token: config.http.token,
      ...(config.http.auth ? { refuseHttp: DASHBOARD_UNDER_OAUTH } : {}),
      source: dashboardSource({
        ...{ instance: this.instanceId, version: SERVER_VERSION, peers: config.peers },
        ...{ stats: () => this.stats(), guard: backends.guard, transports: () => this.#transports },
        registries: [this.registry, this.#directRegistry],
      }),
    });
    for (const dispatcher of [this.dispatcher, this.#direct?.dispatcher]) {
      dispatcher?.observe(this.dashboard.windows);
    }
    this.workflows.observe((report) => this.dashboard.runs.add(report));
    // Names, descriptions, JSON Schemas: converted once, shared by every server instance.
    this.#definitions = buildMcpDefinitions({
      info: { name: SERVER_NAME, version: SERVER_VERSION },
      registry: this.registry,
      schemas: this.schemas,
      dispatcher: this.dispatcher,
      workflows: this.workflows,
      templates: this.templates,
      stats: () => this.stats(),
      direct: this.#direct?.tools,
      peerFeatures: this.#peerFeatureHub,
    });
  }

  /**
   * A fresh MCP server (the SDK's low-level `Server`) exposing the model-facing tools, for one
   * 2026-07-28 request, one 2025 session or stateless request, or one stdio connection.
   */
  createMcpServer(): Server {
    return createMcpServer(this.#definitions);
  }

  /**
   * Serves the `tools/call` of a stdio connection to `server` (one made by
   * {@link createMcpServer}) past the SDK's request machinery, on the same path as its handler.
   */
  shortcut(server: Server, era: 'legacy' | 'modern'): CallShortcut | undefined {
    return callShortcut(server, era);
  }

  /**
   * Starts Prometheus metrics for every later call and resolves with them; idempotent. Loaded on
   * demand (the HTTP transport does it for /metrics) so stdio start-up never pays for prom-client.
   */
  metrics(): Promise<ServerMetrics> {
    this.#metrics ??= import('./backends/metrics.js').then(({ ServerMetrics }) => {
      const backends = this.#backends;
      const metrics = new ServerMetrics(
        {
          cacheHitRate: () => backends.cache.stats().hitRate,
          breakerStates: () => backends.guard.states(),
          queue: () => backends.scheduler.stats(),
          sessions: () => this.#sessions(),
          ...(this.#shared ? { sharedErrors: () => this.#shared?.stats().errors ?? 0 } : {}),
        },
        { defaultMetrics: this.#defaultMetrics, instanceId: this.instanceId },
      );
      this.dispatcher.observe(metrics);
      this.#direct?.dispatcher.observe(metrics);
      return metrics;
    });
    return this.#metrics;
  }

  /** The dashboard's routes (`/`, `/dashboard/…`) for the HTTP transport. */
  route(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    return this.dashboard.handle(req, res, path);
  }

  /** Serves the dashboard alone on 127.0.0.1:`port` (beside stdio); resolves with its URL. */
  async serveDashboard(port = 0): Promise<{ port: number; url: string }> {
    const { token, allowedHosts, allowedOrigins } = this.config.http;
    const options = { port, token, allowedHosts, allowedOrigins };
    const server = new DashboardServer(this.dashboard.routes, options);
    this.attach(server);
    return server.listen();
  }

  /** Registers a transport, so that `close()` stops and closes it in order. */
  attach(transport: ServerTransport): void {
    this.#transports.add(transport);
  }

  /** A 2026-07-28 client listens for these resources: the peers that own them are subscribed. */
  listening(resourceSubscriptions: readonly string[]): void {
    for (const uri of resourceSubscriptions) this.peerFeatures.subscribe(uri).catch(() => {});
  }

  /** Serves Streamable HTTP as `config.http` says; resolves with the bound address. */
  async serveHttp(): Promise<{
    host: string;
    port: number;
    url: string;
    transport: HttpTransport;
  }> {
    const transport = new HttpTransport(this, this.config.http, this.#shared?.scripts);
    this.attach(transport);
    return { ...(await transport.listen()), transport };
  }

  /** Serves one client over stdin/stdout (or the given streams). */
  async serveStdio(options: StdioOptions = {}): Promise<StdioTransport> {
    const transport = new StdioTransport(this, options);
    this.attach(transport);
    await transport.start();
    return transport;
  }

  #sessions(): number {
    let sessions = 0;
    for (const transport of this.#transports) sessions += transport.sessions;
    return sessions;
  }

  stats(): Record<string, unknown> {
    const backends = this.#backends;
    return {
      instance: this.instanceId,
      uptimeMs: Date.now() - this.#startedAt,
      sessions: this.#sessions(),
      dispatcher: this.dispatcher.stats(),
      registry: this.registry.stats(),
      scheduler: backends.scheduler.stats(),
      cache: backends.cache.stats(),
      breakers: backends.guard.states(),
      idempotency: this.idempotency.stats(),
      cluster: this.#shared ? { shared: true, ...this.#shared.stats() } : { shared: false },
      schemas: this.schemas.stats(),
      telemetry: backends.telemetry.stats(),
      peers: this.peers.stats(),
      peerFeatures: this.peerFeatures.stats(),
      ...(this.#direct ? { exposure: this.#direct.tools.stats() } : {}),
      workflows: { ...this.workflows.stats(), ...this.templates.stats() },
    };
  }

  /**
   * The whole shutdown, in order: transports stop accepting; calls in flight get up to
   * `shutdownGraceMs` (the rest are aborted, `SERVER_CLOSED`) and their answers go out; the
   * transports close; then telemetry is flushed and the cache, the categories, the peer
   * connections (with what is left of the grace period; stdio peers still running are killed)
   * and the schedulers are closed. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const graceMs = this.config.shutdownGraceMs;
      const startedAt = this.#monotonic();
      this.dashboard.close();
      for (const transport of this.#transports) transport.stopAccepting();
      await Promise.all([this.dispatcher.drain(graceMs), this.#direct?.dispatcher.drain(graceMs)]);
      if (this.#transports.size > 0) {
        // The answers of the calls just finished are sent a few microtasks later: let them out.
        await new Promise((resolve) => setImmediate(resolve));
        await Promise.allSettled([...this.#transports].map((transport) => transport.close()));
      }
      // Peer listings still running (list_tools) get what is left of the same grace period.
      const leftMs = Math.max(0, graceMs - (this.#monotonic() - startedAt));
      const backends = this.#backends;
      await Promise.allSettled([
        backends.telemetry.shutdown(),
        backends.cache.close(),
        this.registry.close(),
        this.#directRegistry.close(),
        this.peers.close(leftMs),
        this.#stepScheduler.close(),
      ]);
      // Last: the runs that just finished have announced their outcomes to the other instances.
      await this.#shared?.close();
    })();
    return this.#closing;
  }
}

import type { jsonSchemaValidator } from '@modelcontextprotocol/client';
import type {
  CategorySpec,
  ContentAnswer,
  ResolvedTool,
  ToolContext,
  TraceContext,
} from '../catalog/index.js';
import type { GatewayConfig, PeerConfig } from '../config/index.js';
import { ServerClosedError } from '../errors.js';
import { InFlight } from '../in-flight.js';
import {
  clientSdk,
  defaultPeerTransport,
  type PeerConnection,
  type PeerTransportFactory,
} from './connection.js';
import { callPeerTool } from './peer-call.js';
import { type PeerToolListing, peerToolError, resolvePeerTools } from './peer-tool.js';
import { PeerConnections } from './pool.js';
import { textOf, translatePeerError } from './translate.js';

export interface PeerGatewayOptions {
  peers: Record<string, PeerConfig>;
  /** Pool-wide connection settings. */
  gateway: GatewayConfig;
  /** How the server introduces itself to peers. */
  clientInfo: { name: string; version: string };
  /** Opens a transport to a peer. @default stdio for `command`, Streamable HTTP for `url` */
  transport?: PeerTransportFactory;
  /** Called when a peer says its tool list changed, so its cached listing can be dropped. */
  onToolsChanged?: (peer: string) => void;
  /** Called on each borrow of a connection, so notification handlers can be set on it once. */
  onConnection?: (connection: PeerConnection) => void;
  /** Monotonic clock for the shutdown deadline. @default performance.now */
  now?: () => number;
}

/**
 * How long close() waits, after the grace period, for connections to close (a stdio peer to exit
 * once its stdin ends) before it kills the stdio peers still running.
 */
export const SHUTDOWN_MARGIN_MS = 2_000;

export interface PeerGatewayStats {
  peers: number;
  /** Connections open now (for stdio peers: processes running). */
  connections: number;
  /** Calls running on peers now. */
  inFlight: number;
  calls: number;
  failed: number;
  disconnects: number;
  timeouts: number;
  toolListChanges: number;
  connects: number;
  connectErrors: number;
  closedConnections: number;
  validationFailures: number;
  /**
   * The protocol version each peer's latest connection negotiated (`2025-11-25` for a 2025-era
   * peer, `2026-07-28` for a modern one); a peer not connected yet is absent.
   */
  eras: Record<string, string>;
}

/**
 * Fronts the configured peer MCP servers: each peer is a lazy category whose tools come from its
 * `tools/list`, called over pooled connections ({@link PeerConnections}).
 */
export class PeerGateway {
  readonly #options: PeerGatewayOptions;
  readonly #connections: PeerConnections;
  readonly #now: () => number;
  #validator: Promise<jsonSchemaValidator> | undefined;
  #closing: Promise<void> | undefined;
  /** Set when close() begins: new listings and calls are refused. */
  #stopping = false;
  /** When the shutdown grace period ends (on #now's scale). */
  #graceEndsAt = Number.POSITIVE_INFINITY;
  /** Aborted when the shutdown grace period ends: connects and listings in progress stop. */
  readonly #shutdown = new AbortController();
  /** Listings and calls in progress: close() waits for them. */
  readonly #work = new InFlight();
  /** Each peer's instructions, from its latest connection's `initialize` result. */
  readonly #instructions = new Map<string, string>();
  /** Each peer's protocol version, from its latest connection. */
  readonly #eras = new Map<string, string>();
  #calls = 0;
  #callsInFlight = 0;
  #failed = 0;
  #disconnects = 0;
  #timeouts = 0;
  #toolListChanges = 0;

  constructor(options: PeerGatewayOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    const longestCallMs = Math.max(0, ...Object.values(options.peers).map((p) => p.timeoutMs));
    this.#connections = new PeerConnections({
      peers: options.peers,
      gateway: options.gateway,
      clientInfo: options.clientInfo,
      transport: options.transport ?? defaultPeerTransport,
      shutdown: this.#shutdown.signal,
      onToolsChanged: (peer) => {
        this.#toolListChanges++;
        options.onToolsChanged?.(peer);
      },
      // At shutdown, calls on a retired connection get what is left of the grace period.
      retireGraceMs: () => (this.#stopping ? this.#graceEndsAt - this.#now() : longestCallMs),
      stopped: () => this.#stopped(),
    });
  }

  #config(peer: string): PeerConfig {
    const config = this.#options.peers[peer];
    if (!config) throw new TypeError(`No peer named "${peer}" is configured.`);
    return config;
  }

  /**
   * The category of one configured peer, loaded (tools listed) on first use. Its description
   * carries the peer's instructions once the peer has sent them (on connecting).
   */
  category(peer: string): CategorySpec {
    const config = this.#config(peer);
    const described =
      config.description ??
      `Tools of the peer MCP server "${peer}" (${config.command ?? config.url}).`;
    const instructions = () => this.instructions(peer);
    return {
      name: peer,
      get description() {
        const told = instructions();
        return told ? `${described}\n\nInstructions from the peer:\n${told}` : described;
      },
      ...(config.priority === undefined ? {} : { priority: config.priority }),
      load: async () => ({ tools: await this.listTools(peer) }),
    };
  }

  /** The instructions the peer sent in its `initialize` result, once connected (if it sent any). */
  instructions(peer: string): string | undefined {
    return this.#instructions.get(peer);
  }

  /**
   * A connection to start one request on: the peer's warm one at once (no turn of the event
   * loop, no trip through the pool: pool.ts), else one from the pool.
   */
  #borrow(peer: string): PeerConnection | Promise<PeerConnection> {
    return this.#connections.lendWarm(peer) ?? this.#borrowFromPool(peer);
  }

  /** A connection from the pool; notes the peer's instructions and era it brought. */
  async #borrowFromPool(peer: string): Promise<PeerConnection> {
    const connection = await this.#connections.borrow(peer);
    const instructions = connection.client.getInstructions()?.trim();
    if (instructions) this.#instructions.set(peer, instructions);
    else this.#instructions.delete(peer);
    const version = connection.protocolVersion;
    if (version) this.#eras.set(peer, version);
    this.#options.onConnection?.(connection);
    return connection;
  }

  /**
   * Runs one protocol request (resources, prompts, completions: peers/features.ts) on a pooled
   * connection: refused once shutdown began, bounded by the peer's `timeoutMs`; an answer the
   * peer refused passes as it is, other failures become PEER_* errors naming the peer.
   */
  async request<T>(
    peer: string,
    method: string,
    run: (
      connection: PeerConnection,
      options: { timeout: number; signal: AbortSignal },
    ) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const config = this.#config(peer);
    if (this.#stopping) throw new ServerClosedError();
    this.#work.begin();
    let connection: PeerConnection | undefined;
    try {
      connection = await this.#borrow(peer);
      const stop = signal
        ? AbortSignal.any([signal, this.#shutdown.signal])
        : this.#shutdown.signal;
      return await run(connection, { timeout: config.timeoutMs, signal: stop });
    } catch (error) {
      const sdk = clientSdk();
      if (sdk && error instanceof sdk.ProtocolError && !connection?.closed) throw error;
      throw this.#stopped() ?? this.#translate(error, peer, method, connection, signal);
    } finally {
      connection?.end();
      this.#work.end();
    }
  }

  /** Every configured peer as a category. */
  categories(): CategorySpec[] {
    return Object.keys(this.#options.peers).map((peer) => this.category(peer));
  }

  /**
   * The error for work that shutdown stopped: ended with the grace period, or refused because
   * shutdown had begun; `undefined` while the gateway runs.
   */
  #stopped(): ServerClosedError | undefined {
    if (this.#shutdown.signal.aborted) return this.#shutdown.signal.reason as ServerClosedError;
    return this.#stopping ? new ServerClosedError() : undefined;
  }

  #translate(
    error: unknown,
    peer: string,
    tool: string,
    connection?: PeerConnection,
    signal?: AbortSignal,
  ) {
    const translated = translatePeerError(error, {
      peer,
      tool,
      timeoutMs: this.#config(peer).timeoutMs,
      connection,
      signal,
    });
    const code = (translated as { code?: unknown }).code;
    if (translated !== error && code === 'PEER_DISCONNECTED') this.#disconnects++;
    if (translated !== error && code === 'PEER_TIMEOUT') this.#timeouts++;
    return translated;
  }

  /** The peer's tools (every page of `tools/list`), validated by their JSON Schemas here. */
  async listTools(peer: string): Promise<ResolvedTool[]> {
    const config = this.#config(peer);
    if (this.#stopping) throw new ServerClosedError();
    const listings: PeerToolListing[] = [];
    this.#work.begin();
    try {
      const connection = await this.#borrow(peer);
      try {
        // Without a cursor the SDK walks every page; `refresh`: this gateway caches the list.
        const listing = await connection.client.listTools(undefined, {
          timeout: config.timeoutMs,
          // Shutdown stops a listing at the end of the grace period, not at the peer's timeout.
          signal: this.#shutdown.signal,
          cacheMode: 'refresh',
        });
        listings.push(...(listing.tools as PeerToolListing[]));
      } catch (error) {
        throw this.#stopped() ?? this.#translate(error, peer, 'tools/list', connection);
      } finally {
        connection.end();
      }
    } finally {
      this.#work.end();
    }
    this.#validator ??= import('@modelcontextprotocol/client/validators/ajv').then(
      ({ AjvJsonSchemaValidator }) => new AjvJsonSchemaValidator(),
    );
    const validator = await this.#validator;
    // `tools.allow` / `tools.deny` apply here: everything downstream sees the filtered list.
    return resolvePeerTools(listings, {
      peer,
      config,
      validator,
      call: (tool, params, ctx) => this.call(peer, tool, params, ctx),
    });
  }

  /**
   * Calls a peer's tool: its answer is the peer's content blocks and structured content, as sent.
   * Cancellation (the signal) is forwarded to the peer as `notifications/cancelled`; the peer's
   * progress goes to `ctx.onProgress`.
   */
  async call(
    peer: string,
    tool: string,
    params: unknown,
    ctx: ToolContext,
  ): Promise<ContentAnswer> {
    const config = this.#config(peer);
    this.#calls++;
    this.#callsInFlight++;
    this.#work.begin();
    let connection: PeerConnection | undefined;
    try {
      connection = this.#connections.lendWarm(peer) ?? (await this.#borrowFromPool(peer));
      // Progress, the client's requests, log lines and level travel with the call (peer-call.ts).
      const meta = ctx.trace ? traceMeta(ctx.trace) : undefined;
      const result = await callPeerTool(connection, { tool, params, meta }, ctx, config.timeoutMs);
      if (result.isError) throw peerToolError(peer, tool, textOf(result.content), result.content);
      const { content, structuredContent } = result;
      return structuredContent == null
        ? { content }
        : { content, structuredContent: structuredContent as Record<string, unknown> };
    } catch (error) {
      this.#failed++;
      // A call cut off by the end of the grace period says so (unless its caller cancelled it).
      const stopped = this.#shutdown.signal.aborted ? this.#stopped() : undefined;
      if (stopped && !ctx.signal.aborted) throw stopped;
      throw this.#translate(error, peer, tool, connection, ctx.signal);
    } finally {
      connection?.end();
      this.#callsInFlight--;
      this.#work.end();
    }
  }

  /** Process ids of the stdio peers running now, for diagnostics and clean-up checks. */
  processIds(): number[] {
    return this.#connections.processIds();
  }

  stats(): PeerGatewayStats {
    return {
      peers: Object.keys(this.#options.peers).length,
      inFlight: this.#callsInFlight,
      calls: this.#calls,
      failed: this.#failed,
      disconnects: this.#disconnects,
      timeouts: this.#timeouts,
      toolListChanges: this.#toolListChanges,
      ...this.#connections.stats(),
      eras: Object.fromEntries(this.#eras),
    };
  }

  /**
   * Stops taking listings and calls, waits up to `graceMs` for the ones in flight (and the
   * connects they wait for), then stops the rest (`ServerClosedError`, reason `'grace-ended'`),
   * aborts connects still opening and closes every connection. Ends within `graceMs` plus
   * {@link SHUTDOWN_MARGIN_MS}: a stdio peer still running then is killed. Idempotent.
   */
  close(graceMs = 0): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopping = true;
      this.#graceEndsAt = this.#now() + Math.max(0, graceMs);
      // The pool stops lending now and lets borrowers go by the end of the grace period.
      const drained = this.#connections.drain(graceMs);
      await this.#work.idle(graceMs);
      this.#shutdown.abort(new ServerClosedError('grace-ended'));
      // Connections the pool let go of, or still holds, are closed now, calls in flight or not.
      const closed = Promise.allSettled([drained, this.#connections.closeAll()]);
      let margin: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          margin = setTimeout(resolve, SHUTDOWN_MARGIN_MS);
        }),
      ]);
      clearTimeout(margin);
      this.#connections.killAll();
    })();
    return this.#closing;
  }
}

/**
 * The call's trace context for the peer's `_meta` (W3C `traceparent`/`tracestate`, the keys the
 * 2026-07-28 revision names; a 2025-era peer gets them in `_meta` too).
 */
function traceMeta(trace: TraceContext): Record<string, string> {
  // Loaded already (a connection is open): the keys come from the SDK without a static import.
  const { TRACEPARENT_META_KEY, TRACESTATE_META_KEY } = clientSdk()!;
  return trace.tracestate === undefined
    ? { [TRACEPARENT_META_KEY]: trace.traceparent }
    : { [TRACEPARENT_META_KEY]: trace.traceparent, [TRACESTATE_META_KEY]: trace.tracestate };
}

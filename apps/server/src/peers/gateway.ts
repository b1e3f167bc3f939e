import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { AcquireTimeoutError, PeerPool } from '@x/pool';
import type { CategorySpec } from '../catalog/registry.js';
import type { ResolvedTool, ToolContext } from '../catalog/tool.js';
import type { PeerConfig, XServerConfig } from '../config/schema.js';
import {
  PeerDisconnectedError,
  PeerTimeoutError,
  PeerToolError,
  PeerUnavailableError,
  ServerClosedError,
  XServerError,
} from '../errors.js';
import { defaultPeerTransport, PeerConnection, type PeerTransportFactory } from './connection.js';
import { type PeerToolListing, resolvePeerTool } from './peer-tool.js';

export interface PeerGatewayOptions {
  peers: Record<string, PeerConfig>;
  /** Pool-wide connection settings. */
  gateway: XServerConfig['gateway'];
  /** How the server introduces itself to peers. */
  clientInfo: { name: string; version: string };
  /** Opens a transport to a peer. @default stdio for `command`, Streamable HTTP for `url` */
  transport?: PeerTransportFactory;
  /** Called when a peer says its tool list changed, so its cached listing can be dropped. */
  onToolsChanged?: (peer: string) => void;
  /** Monotonic clock for the shutdown deadline. @default performance.now */
  now?: () => number;
}

/**
 * How long close() waits, after the grace period, for connections to close (a stdio peer to exit
 * once its stdin ends) before it kills the stdio peers still running.
 */
export const SHUTDOWN_MARGIN_MS = 2_000;

function unrefDelay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
    timer.unref?.();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

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
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return 'no details';
  const texts = content
    .filter((part): part is { type: 'text'; text: string } => part?.type === 'text')
    .map((part) => part.text);
  return texts.length ? texts.join(' ') : 'no details';
}

/** A connect that failed, lent once so the borrow that caused it fails with its error. */
class FailedConnect {
  #lent = false;
  constructor(readonly error: unknown) {}

  /** True the first time only: a failure delivered after its borrower gave up is stale. */
  lend(): boolean {
    const first = !this.#lent;
    this.#lent = true;
    return first;
  }
}

type PooledPeer = PeerConnection | FailedConnect;

/**
 * Fronts the configured peer MCP servers: one `@x/pool` keyed by peer holds SDK `Client`
 * connections (validated with `ping` when quiet, replaced when dead), and each peer is a lazy
 * category whose tools come from its `tools/list`.
 */
export class PeerGateway {
  readonly #options: PeerGatewayOptions;
  readonly #pool: PeerPool<PooledPeer>;
  readonly #open = new Set<PeerConnection>();
  readonly #now: () => number;
  #validator: Promise<jsonSchemaValidator> | undefined;
  #closing: Promise<void> | undefined;
  /** Set when close() begins: new listings and calls are refused. */
  #stopping = false;
  /** When the shutdown grace period ends (on #now's scale). */
  #graceEndsAt = Number.POSITIVE_INFINITY;
  /** Aborted when the shutdown grace period ends: connects and listings in progress stop. */
  readonly #shutdown = new AbortController();
  readonly #idleWaiters = new Set<() => void>();
  /** tools/list requests in progress (calls are counted in #inFlight). */
  #listing = 0;
  #inFlight = 0;
  #calls = 0;
  #failed = 0;
  #disconnects = 0;
  #timeouts = 0;
  #toolListChanges = 0;
  #connectErrors = 0;

  constructor(options: PeerGatewayOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    const { gateway } = options;
    const longestCallMs = Math.max(0, ...Object.values(options.peers).map((p) => p.timeoutMs));
    this.#pool = new PeerPool<PooledPeer>({
      // A failed connect is handed out as a FailedConnect instead of thrown: the pool would
      // retry a throwing create until acquireTimeoutMs, so a peer whose command is missing or
      // that exits during initialize would make every call wait out connectTimeoutMs.
      create: async (peer): Promise<PooledPeer> => {
        if (this.#shutdown.signal.aborted) return new FailedConnect(this.#shutdown.signal.reason);
        try {
          const connection = await PeerConnection.open({
            signal: this.#shutdown.signal,
            peer,
            config: this.#config(peer),
            clientInfo: options.clientInfo,
            transport: options.transport ?? defaultPeerTransport,
            connectTimeoutMs: gateway.connectTimeoutMs,
            onToolsChanged: () => {
              this.#toolListChanges++;
              options.onToolsChanged?.(peer);
            },
          });
          this.#open.add(connection);
          if (this.#shutdown.signal.aborted) {
            // Opened after the grace period ended: nobody may use it; close() ends it.
            void this.#end(connection, 0);
            return new FailedConnect(this.#shutdown.signal.reason);
          }
          return connection;
        } catch (error) {
          if (this.#shutdown.signal.aborted) return new FailedConnect(this.#shutdown.signal.reason);
          this.#connectErrors++;
          return new FailedConnect(error);
        }
      },
      // Calls may still run on a connection the pool retires (loans are brief, see call()).
      // At shutdown they get what is left of the grace period instead.
      destroy: async (connection) => {
        if (connection instanceof FailedConnect) return;
        await this.#end(
          connection,
          this.#stopping ? this.#graceEndsAt - this.#now() : longestCallMs,
        );
      },
      validate: (connection) =>
        connection instanceof FailedConnect
          ? connection.lend()
          : connection.healthy(gateway.pingIntervalMs, gateway.connectTimeoutMs),
      maxPerPeer: gateway.maxConnectionsPerPeer,
      acquireTimeoutMs: gateway.connectTimeoutMs,
      createTimeoutMs: gateway.connectTimeoutMs,
      validateTimeoutMs: gateway.connectTimeoutMs,
      destroyTimeoutMs: longestCallMs + 5_000,
      idleTimeoutMs: gateway.idleTimeoutMs,
      createRetry: { baseDelayMs: 100, maxDelayMs: 5_000, multiplier: 2, jitterRatio: 0.2 },
    });
  }

  /** Closes a connection after its calls, for at most `graceMs`, and forgets it. */
  async #end(connection: PeerConnection, graceMs: number): Promise<void> {
    await connection.close(Math.max(0, graceMs));
    this.#open.delete(connection);
  }

  #config(peer: string): PeerConfig {
    const config = this.#options.peers[peer];
    if (!config) throw new TypeError(`No peer named "${peer}" is configured.`);
    return config;
  }

  /** The category of one configured peer, loaded (tools listed) on first use. */
  category(peer: string): CategorySpec {
    const config = this.#config(peer);
    return {
      name: peer,
      description:
        config.description ??
        `Tools of the peer MCP server "${peer}" (${config.command ?? config.url}).`,
      ...(config.priority === undefined ? {} : { priority: config.priority }),
      load: async () => ({ tools: await this.listTools(peer) }),
    };
  }

  /** Every configured peer as a category. */
  categories(): CategorySpec[] {
    return Object.keys(this.#options.peers).map((peer) => this.category(peer));
  }

  /**
   * Lends a connection only to start a request: MCP multiplexes, so others may share it. A
   * connect that failed fails the borrow at once with its own error.
   */
  async #borrow(peer: string): Promise<PeerConnection> {
    let pooled: PooledPeer;
    try {
      pooled = await this.#pool.acquire(peer);
    } catch (error) {
      throw this.#stopped() ?? new PeerUnavailableError(peer, this.#unavailableReason(error));
    }
    if (pooled instanceof FailedConnect) {
      this.#pool.destroy(peer, pooled);
      throw this.#stopped() ?? new PeerUnavailableError(peer, pooled.error);
    }
    pooled.begin();
    this.#pool.release(peer, pooled);
    return pooled;
  }

  /**
   * The error for work that shutdown stopped: ended with the grace period, or refused because
   * shutdown had begun; `undefined` while the gateway runs.
   */
  #stopped(): ServerClosedError | undefined {
    if (this.#shutdown.signal.aborted) return this.#shutdown.signal.reason as ServerClosedError;
    return this.#stopping ? new ServerClosedError() : undefined;
  }

  /** One piece of work (a listing or a call) ended: wakes close() when none is left. */
  #settled(): void {
    if (this.#inFlight + this.#listing === 0) for (const wake of this.#idleWaiters) wake();
  }

  /** Why no connection came: the connect's own error, or the timeout in this server's terms. */
  #unavailableReason(error: unknown): unknown {
    if (error instanceof AcquireTimeoutError) {
      const ms = this.#options.gateway.connectTimeoutMs;
      const cause = (error as { cause?: unknown }).cause;
      const last = cause instanceof Error ? ` (last attempt: ${cause.message})` : '';
      return new Error(
        `no connection within ${ms} ms (gateway.connectTimeoutMs): the peer did not start or did not answer initialize${last}`,
        { cause: error },
      );
    }
    return error;
  }

  /** The peer's tools (every page of `tools/list`), validated by their JSON Schemas here. */
  async listTools(peer: string): Promise<ResolvedTool[]> {
    const config = this.#config(peer);
    if (this.#stopping) throw new ServerClosedError();
    const listings: PeerToolListing[] = [];
    this.#listing++;
    try {
      const connection = await this.#borrow(peer);
      try {
        let cursor: string | undefined;
        do {
          const page = await connection.client.listTools(cursor === undefined ? {} : { cursor }, {
            timeout: config.timeoutMs,
            // Shutdown stops a listing at the end of the grace period, not at the peer's timeout.
            signal: this.#shutdown.signal,
          });
          listings.push(...(page.tools as PeerToolListing[]));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
      } catch (error) {
        throw (
          this.#stopped() ??
          this.#translate(error, peer, 'tools/list', config, connection, undefined)
        );
      } finally {
        connection.end();
      }
    } finally {
      this.#listing--;
      this.#settled();
    }
    this.#validator ??= import('@modelcontextprotocol/sdk/validation/ajv').then(
      ({ AjvJsonSchemaValidator }) => new AjvJsonSchemaValidator(),
    );
    const validator = await this.#validator;
    return listings.map((listing) =>
      resolvePeerTool(listing, {
        peer,
        config,
        validator,
        call: (tool, params, ctx) => this.call(peer, tool, params, ctx),
      }),
    );
  }

  /**
   * Calls a peer's tool: its result is the structured content, else `{ content }`. Cancellation
   * (the signal) is forwarded to the peer as `notifications/cancelled`; the peer's progress goes
   * to `ctx.onProgress`.
   */
  async call(peer: string, tool: string, params: unknown, ctx: ToolContext): Promise<unknown> {
    const config = this.#config(peer);
    this.#calls++;
    this.#inFlight++;
    let connection: PeerConnection | undefined;
    try {
      connection = await this.#borrow(peer);
      const onProgress = ctx.onProgress;
      const result = await connection.client.callTool(
        { name: tool, arguments: (params ?? {}) as Record<string, unknown> },
        undefined,
        {
          signal: ctx.signal,
          timeout: config.timeoutMs,
          ...(onProgress
            ? {
                onprogress: ({ progress, total, message }) =>
                  onProgress({
                    progress,
                    ...(total === undefined ? {} : { total }),
                    ...(message === undefined ? {} : { message }),
                  }),
              }
            : {}),
        },
      );
      if (result.isError) throw new PeerToolError(peer, tool, textOf(result.content));
      return result.structuredContent ?? { content: result.content };
    } catch (error) {
      this.#failed++;
      // A call cut off by the end of the grace period says so (unless its caller cancelled it).
      const stopped = this.#shutdown.signal.aborted ? this.#stopped() : undefined;
      if (stopped && !ctx.signal.aborted) throw stopped;
      throw this.#translate(error, peer, tool, config, connection, ctx.signal);
    } finally {
      connection?.end();
      this.#inFlight--;
      this.#settled();
    }
  }

  #translate(
    error: unknown,
    peer: string,
    tool: string,
    config: PeerConfig,
    connection: PeerConnection | undefined,
    signal: AbortSignal | undefined,
  ): unknown {
    // The caller's own cancellation (or a breaker timeout) keeps its reason.
    if (signal?.aborted || error instanceof XServerError) return error;
    if (!(error instanceof McpError)) {
      // Below the protocol (fetch failed, HTTP 404 for a session the peer forgot): this
      // connection is no good; the next call gets a fresh one.
      connection?.markBroken();
      return new PeerUnavailableError(peer, error);
    }
    if (error.code === ErrorCode.ConnectionClosed || connection?.closed) {
      this.#disconnects++;
      return new PeerDisconnectedError(peer, tool, error);
    }
    if (error.code === ErrorCode.RequestTimeout) {
      this.#timeouts++;
      return new PeerTimeoutError(peer, tool, config.timeoutMs);
    }
    if (error.code === ErrorCode.InvalidParams) return new PeerToolError(peer, tool, error.message);
    return error;
  }

  /** Process ids of the stdio peers running now, for diagnostics and clean-up checks. */
  processIds(): number[] {
    return [...this.#open].flatMap((connection) =>
      connection.pid === undefined ? [] : [connection.pid],
    );
  }

  stats(): PeerGatewayStats {
    const pool = this.#pool.stats();
    return {
      peers: Object.keys(this.#options.peers).length,
      connections: this.#open.size,
      inFlight: this.#inFlight,
      calls: this.#calls,
      failed: this.#failed,
      disconnects: this.#disconnects,
      timeouts: this.#timeouts,
      toolListChanges: this.#toolListChanges,
      connects: pool.creates - this.#connectErrors,
      connectErrors: pool.createErrors + this.#connectErrors,
      closedConnections: pool.destroyed,
      validationFailures: pool.validationFailures,
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
      const drained = this.#pool.drain({ timeoutMs: Math.max(0, graceMs) });
      drained.catch(() => {});
      await this.#workDone(graceMs);
      this.#shutdown.abort(new ServerClosedError('grace-ended'));
      // Connections the pool let go of, or still holds, are closed now, calls in flight or not.
      const margin = unrefDelay(SHUTDOWN_MARGIN_MS);
      const closed = Promise.allSettled([
        drained,
        ...[...this.#open].map((connection) => this.#end(connection, 0)),
      ]);
      await Promise.race([closed, margin.promise]);
      margin.cancel();
      // Whatever has not closed by now (a stdio peer ignoring its closed stdin and SIGTERM).
      for (const connection of this.#open) connection.kill();
      this.#open.clear();
    })();
    return this.#closing;
  }

  /** Resolves when no listing or call is in progress, or after `graceMs`. */
  #workDone(graceMs: number): Promise<void> {
    if (this.#inFlight + this.#listing === 0 || graceMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, graceMs);
      timer.unref?.();
      this.#idleWaiters.add(done);
    });
  }
}

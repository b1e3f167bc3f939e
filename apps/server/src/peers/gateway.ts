import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { AcquireTimeoutError, PeerPool } from '@x/pool';
import type { CategorySpec } from '../catalog/registry.js';
import type { ResolvedTool, ToolContext } from '../catalog/tool.js';
import type { PeerConfig, XServerConfig } from '../config.js';
import {
  PeerDisconnectedError,
  PeerTimeoutError,
  PeerToolError,
  PeerUnavailableError,
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
  #validator: Promise<jsonSchemaValidator> | undefined;
  #closing: Promise<void> | undefined;
  #inFlight = 0;
  #calls = 0;
  #failed = 0;
  #disconnects = 0;
  #timeouts = 0;
  #toolListChanges = 0;
  #connectErrors = 0;

  constructor(options: PeerGatewayOptions) {
    this.#options = options;
    const { gateway } = options;
    const longestCallMs = Math.max(0, ...Object.values(options.peers).map((p) => p.timeoutMs));
    this.#pool = new PeerPool<PooledPeer>({
      // A failed connect is handed out as a FailedConnect instead of thrown: the pool would
      // retry a throwing create until acquireTimeoutMs, so a peer whose command is missing or
      // that exits during initialize would make every call wait out connectTimeoutMs.
      create: async (peer): Promise<PooledPeer> => {
        try {
          const connection = await PeerConnection.open({
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
          return connection;
        } catch (error) {
          this.#connectErrors++;
          return new FailedConnect(error);
        }
      },
      // Calls may still run on a connection the pool retires (loans are brief, see call()).
      destroy: async (connection) => {
        if (connection instanceof FailedConnect) return;
        await connection.close(longestCallMs);
        this.#open.delete(connection);
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
      throw new PeerUnavailableError(peer, this.#unavailableReason(error));
    }
    if (pooled instanceof FailedConnect) {
      this.#pool.destroy(peer, pooled);
      throw new PeerUnavailableError(peer, pooled.error);
    }
    pooled.begin();
    this.#pool.release(peer, pooled);
    return pooled;
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
    const connection = await this.#borrow(peer);
    const listings: PeerToolListing[] = [];
    try {
      let cursor: string | undefined;
      do {
        const page = await connection.client.listTools(cursor === undefined ? {} : { cursor }, {
          timeout: config.timeoutMs,
        });
        listings.push(...(page.tools as PeerToolListing[]));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    } catch (error) {
      throw this.#translate(error, peer, 'tools/list', config, connection, undefined);
    } finally {
      connection.end();
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
      throw this.#translate(error, peer, tool, config, connection, ctx.signal);
    } finally {
      connection?.end();
      this.#inFlight--;
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
   * Closes every connection (stdio peers' processes end), waiting up to `graceMs` for calls in
   * flight. Idempotent.
   */
  close(graceMs = 0): Promise<void> {
    this.#closing ??= (async () => {
      await this.#pool.drain({ timeoutMs: graceMs });
      // Connections the pool already let go of but whose close was still waiting for calls.
      await Promise.allSettled([...this.#open].map((connection) => connection.close()));
      this.#open.clear();
    })();
    return this.#closing;
  }
}

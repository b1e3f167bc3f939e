import { isPoolError, PeerPool } from '@x/pool';
import type { GatewayConfig, PeerConfig } from '../config/index.js';
import { PeerUnavailableError } from '../errors.js';
import { PeerConnection, type PeerTransportFactory } from './connection.js';

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

export interface PeerConnectionsOptions {
  peers: Record<string, PeerConfig>;
  gateway: GatewayConfig;
  clientInfo: { name: string; version: string };
  transport: PeerTransportFactory;
  /** Called when a peer says its tool list changed. */
  onToolsChanged: (peer: string) => void;
  /** Aborted when the shutdown grace period ends: connects in progress stop. */
  shutdown: AbortSignal;
  /** How long a connection the pool retires may still serve the calls running on it. */
  retireGraceMs: () => number;
  /** The error for a borrow that shutdown stopped; `undefined` while the gateway runs. */
  stopped: () => Error | undefined;
  /** Monotonic clock, for how long a connection is lent again without the pool. @default performance.now */
  now?: () => number;
}

/**
 * Longest a connection the pool lent is lent again without the pool (see
 * {@link PeerConnections.lendWarm}): at least this often a busy peer's borrow goes through the
 * pool, so its idle clock (`idleTimeoutMs`) and checks see the connection in use.
 */
export const WARM_LEND_MS = 1_000;

/** The connection a peer's pool lent last, and until when it is lent again without the pool. */
interface Warm {
  connection: PeerConnection;
  until: number;
}

export interface PeerConnectionStats {
  /** Connections open now (for stdio peers: processes running). */
  connections: number;
  /** The same, per peer (a peer with none open is absent). */
  connectionsByPeer: Record<string, number>;
  connects: number;
  connectErrors: number;
  closedConnections: number;
  validationFailures: number;
}

/**
 * The gateway's connections: one `@x/pool` keyed by peer holds SDK `Client` connections,
 * validated with `ping` when quiet and replaced when dead. A connection is lent only to start a
 * request (MCP multiplexes, so others may share it).
 */
export class PeerConnections {
  readonly #options: PeerConnectionsOptions;
  readonly #pool: PeerPool<PooledPeer>;
  readonly #open = new Set<PeerConnection>();
  /** Per peer, the connection lent last while it is known alive (see lendWarm). */
  readonly #warm = new Map<string, Warm>();
  readonly #now: () => number;
  /** How long a connection the pool lent is lent again without it. */
  readonly #warmMs: number;
  #draining = false;
  #connectErrors = 0;

  constructor(options: PeerConnectionsOptions) {
    this.#options = options;
    const { gateway, shutdown } = options;
    this.#now = options.now ?? (() => performance.now());
    // Never longer than the pool would go without a ping, nor than it lets a connection idle.
    this.#warmMs = Math.min(WARM_LEND_MS, gateway.pingIntervalMs, gateway.idleTimeoutMs);
    const longestCallMs = Math.max(0, ...Object.values(options.peers).map((p) => p.timeoutMs));
    this.#pool = new PeerPool<PooledPeer>({
      // A failed connect is handed out as a FailedConnect instead of thrown: the pool would
      // retry a throwing create until acquireTimeoutMs, so a peer whose command is missing or
      // that exits during initialize would make every call wait out connectTimeoutMs.
      create: async (peer): Promise<PooledPeer> => {
        if (shutdown.aborted) return new FailedConnect(shutdown.reason);
        try {
          const connection = await PeerConnection.open({
            signal: shutdown,
            peer,
            config: this.#config(peer),
            clientInfo: options.clientInfo,
            transport: options.transport,
            connectTimeoutMs: gateway.connectTimeoutMs,
            onToolsChanged: () => options.onToolsChanged(peer),
          });
          this.#open.add(connection);
          if (shutdown.aborted) {
            // Opened after the grace period ended: nobody may use it; closeAll() ends it.
            void this.#end(connection, 0);
            return new FailedConnect(shutdown.reason);
          }
          return connection;
        } catch (error) {
          if (shutdown.aborted) return new FailedConnect(shutdown.reason);
          this.#connectErrors++;
          return new FailedConnect(error);
        }
      },
      // Calls may still run on a connection the pool retires (loans are brief, see borrow()).
      destroy: async (connection) => {
        if (connection instanceof FailedConnect) return;
        // Retired (idle, dead, or at shutdown): lent no more, not even without the pool.
        this.#cool(connection);
        await this.#end(connection, options.retireGraceMs());
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
      createRetry: { baseDelayMs: 100, maxDelayMs: 5_000, multiplier: 2, jitter: 'full' },
    });
  }

  #config(peer: string): PeerConfig {
    const config = this.#options.peers[peer];
    if (!config) throw new TypeError(`No peer named "${peer}" is configured.`);
    return config;
  }

  /** Closes a connection after its calls, for at most `graceMs`, and forgets it. */
  async #end(connection: PeerConnection, graceMs: number): Promise<void> {
    await connection.close(Math.max(0, graceMs));
    this.#open.delete(connection);
  }

  /**
   * The connection the peer's pool lent last, lent again (marked busy: `end()` it when the
   * request settles) without a trip through the pool, while that is what the pool would do: it
   * is open and was lent by the pool less than {@link WARM_LEND_MS} (and less than the ping
   * interval) ago, so the pool's check would pass it without a ping, and it is idle or the only
   * connection the peer may have (`maxConnectionsPerPeer` 1). `undefined` otherwise:
   * {@link borrow} then goes through the pool (and the lent connection becomes the warm one).
   * The pool's acquire, check and release cost a call more than the rest of its borrowing.
   */
  lendWarm(peer: string): PeerConnection | undefined {
    const warm = this.#warm.get(peer);
    if (warm === undefined) return undefined;
    const { connection } = warm;
    if (connection.closed || this.#now() >= warm.until) {
      this.#warm.delete(peer);
      return undefined;
    }
    // With room for more connections, a call that finds this one busy asks the pool, which
    // spreads concurrent calls over up to maxConnectionsPerPeer connections as before.
    if (connection.inFlight > 0 && this.#options.gateway.maxConnectionsPerPeer > 1)
      return undefined;
    connection.begin();
    return connection;
  }

  /** Stops lending `connection` without the pool. */
  #cool(connection: PeerConnection): void {
    if (this.#warm.get(connection.peer)?.connection === connection) {
      this.#warm.delete(connection.peer);
    }
  }

  /**
   * A connection to start one request on, marked busy (`end()` it when the request settles). A
   * connect that failed fails the borrow at once with its own error.
   */
  async borrow(peer: string): Promise<PeerConnection> {
    let pooled: PooledPeer;
    try {
      pooled = await this.#pool.acquire(peer);
    } catch (error) {
      throw this.#options.stopped() ?? new PeerUnavailableError(peer, this.#unavailable(error));
    }
    if (pooled instanceof FailedConnect) {
      this.#pool.destroy(peer, pooled);
      throw this.#options.stopped() ?? new PeerUnavailableError(peer, pooled.error);
    }
    pooled.begin();
    this.#pool.release(peer, pooled);
    if (!this.#draining && !pooled.closed) {
      this.#warm.set(peer, { connection: pooled, until: this.#now() + this.#warmMs });
    }
    return pooled;
  }

  /** Why no connection came: the connect's own error, or the timeout in this server's terms. */
  #unavailable(error: unknown): unknown {
    if (isPoolError(error, 'ERR_POOL_ACQUIRE_TIMEOUT')) {
      const ms = this.#options.gateway.connectTimeoutMs;
      const { cause } = error;
      const last = cause instanceof Error ? ` (last attempt: ${cause.message})` : '';
      return new Error(
        `no connection within ${ms} ms (gateway.connectTimeoutMs): the peer did not start or did not answer initialize${last}`,
        { cause: error },
      );
    }
    return error;
  }

  /** The pool stops lending and lets borrowers go by `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    this.#warm.clear();
    const drained = this.#pool.drain({ timeoutMs: Math.max(0, timeoutMs) });
    drained.catch(() => {});
    return drained;
  }

  /** Closes every open connection now, calls in flight or not. */
  closeAll(): Promise<unknown> {
    return Promise.allSettled([...this.#open].map((connection) => this.#end(connection, 0)));
  }

  /** Ends what has not closed (a stdio peer ignoring its closed stdin and SIGTERM). */
  killAll(): void {
    for (const connection of this.#open) connection.kill();
    this.#open.clear();
  }

  /** Process ids of the stdio peers running now, for diagnostics and clean-up checks. */
  processIds(): number[] {
    return [...this.#open].flatMap((connection) =>
      connection.pid === undefined ? [] : [connection.pid],
    );
  }

  stats(): PeerConnectionStats {
    const pool = this.#pool.stats();
    const connectionsByPeer: Record<string, number> = {};
    for (const { peer } of this.#open) connectionsByPeer[peer] = (connectionsByPeer[peer] ?? 0) + 1;
    return {
      connections: this.#open.size,
      connectionsByPeer,
      connects: pool.creates - this.#connectErrors,
      connectErrors: pool.createErrors + this.#connectErrors,
      closedConnections: pool.destroyed,
      validationFailures: pool.validationFailures,
    };
  }
}

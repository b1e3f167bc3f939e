import type { Client, ConnectOptions, Transport } from '@modelcontextprotocol/client';
import { bearerFetch, ClientCredentialsToken } from '../auth/index.js';
import type { PeerConfig } from '../config/index.js';
import { InFlight } from '../in-flight.js';
import { ownSignalFetch } from './own-signal-fetch.js';
import { PeerProgress } from './peer-progress.js';
import { RawCalls } from './raw-call.js';
import { PeerRelay, RELAYED_CAPABILITIES } from './relay.js';

/** A transport to one peer, plus what a stdio peer can tell about its process. */
export interface PeerTransport {
  transport: Transport;
  /** The peer's process id (stdio peers), for diagnostics and clean-up checks. */
  pid?: () => number | null | undefined;
  /** The last lines the peer wrote to stderr, for error messages. */
  stderrTail?: () => string;
  /**
   * Ends a stdio peer at once (SIGKILL), with every process it started, for a peer that
   * outlives the transport's close(). @default SIGKILL to `pid`
   */
  kill?: () => void;
}

/** Opens a transport to a peer; swap it to reach peers some other way (tests use in-memory). */
export type PeerTransportFactory = (
  peer: string,
  config: PeerConfig,
) => PeerTransport | Promise<PeerTransport>;

const STDERR_TAIL_CHARS = 2_000;

type ClientSdk = typeof import('@modelcontextprotocol/client');
let loadedSdk: ClientSdk | undefined;

/** The SDK's client, loaded on the first connection: a server without peers never pays for it. */
export async function loadClientSdk(): Promise<ClientSdk> {
  loadedSdk ??= await import('@modelcontextprotocol/client');
  return loadedSdk;
}

/** The SDK's client once a connection loaded it (its errors cannot exist before). */
export function clientSdk(): ClientSdk | undefined {
  return loadedSdk;
}

/**
 * The SDK's stdio transport waits for `drain` with one listener per message that finds the pipe
 * full, so many concurrent calls pile listeners on the child's stdin (MaxListenersExceeded).
 * Chaining the sends keeps at most one waiting; the order of messages is unchanged.
 */
export function serializeSends(transport: Transport): void {
  const send = transport.send.bind(transport);
  let last: Promise<void> = Promise.resolve();
  transport.send = (message, options) => {
    const next = last.then(() => send(message, options));
    // A failed send fails its own caller only, not the ones queued behind it.
    last = next.catch(() => {});
    return next;
  };
}

/**
 * Stdio (`command` runs as a child process in a process group of its own, ended with the whole
 * group: see process-tree.ts) or Streamable HTTP (`url` with `headers`).
 */
export const defaultPeerTransport: PeerTransportFactory = async (_peer, config) => {
  if (config.command !== undefined) {
    if (process.platform === 'win32') return sdkStdioTransport(config);
    const { ProcessTreeTransport } = await import('./process-tree.js');
    const transport = new ProcessTreeTransport({
      command: config.command,
      args: config.args,
      env: config.env,
      ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
    });
    // Its sends share one `drain` wait of their own: no serializeSends (a turn per message).
    return {
      transport,
      pid: () => transport.pid,
      stderrTail: () => transport.stderrTail(),
      kill: () => transport.kill(),
    };
  }
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  // Credentials of the peer's own (never the caller's token): static headers, or OAuth.
  const oauth = config.oauth && new ClientCredentialsToken(config.oauth, { peerUrl: config.url! });
  return {
    transport: new StreamableHTTPClientTransport(new URL(config.url!), {
      requestInit: { headers: new Headers(config.headers) },
      fetch: oauth ? bearerFetch(oauth, ownSignalFetch) : ownSignalFetch,
    }),
  };
};

/**
 * Windows has no process groups: the SDK's transport, which ends the peer's own process only (its
 * version probe runs on a short-lived sibling process the SDK starts and ends itself).
 */
async function sdkStdioTransport(config: PeerConfig): Promise<PeerTransport> {
  const { StdioClientTransport, getDefaultEnvironment } = await import(
    '@modelcontextprotocol/client/stdio'
  );
  const transport = new StdioClientTransport({
    command: config.command!,
    args: config.args,
    env: { ...getDefaultEnvironment(), ...config.env },
    ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
    stderr: 'pipe',
  });
  // Piped so a chatty peer cannot write into our stdout protocol stream; kept short for errors.
  let tail = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  serializeSends(transport);
  return { transport, pid: () => transport.pid, stderrTail: () => tail };
}

export interface PeerConnectionOptions {
  peer: string;
  config: PeerConfig;
  clientInfo: { name: string; version: string };
  transport: PeerTransportFactory;
  /** Longest wait for the version probe (`server/discover`) and the `initialize` handshake. */
  connectTimeoutMs: number;
  /** Called when the peer says its tool list changed. */
  onToolsChanged: () => void;
  /** Monotonic clock, for the ping interval. @default performance.now */
  now?: () => number;
  /** Aborts the connect (shutdown): the transport is closed (a stdio peer's process ends). */
  signal?: AbortSignal;
}

/**
 * One SDK `Client` connected to a peer. MCP multiplexes requests, so a connection carries many
 * calls at once; `inFlight` counts them so a connection is only closed once they are done.
 */
export class PeerConnection {
  readonly peer: string;
  readonly client: Client;
  /** Where the peer's requests to the client and its log lines go: the caller of the call. */
  readonly relay = new PeerRelay();
  /** Progress listeners of the calls in flight, under x-server's own tokens (peer-progress.ts). */
  readonly progress = new PeerProgress();
  /** The log level last set on a 2025-era peer (`logging/setLevel`), if any. */
  logLevel: string | undefined;
  /** `tools/call` without the SDK client's request machinery (raw-call.ts), once connected. */
  raw: RawCalls | undefined;
  readonly #source: PeerTransport;
  readonly #now: () => number;
  /** Requests in progress on this connection: close() lets them finish first. */
  readonly #requests = new InFlight();
  #closed = false;
  #closing: Promise<void> | undefined;
  /** The stdio peer's process id once connected, kept for kill() after close() let go of it. */
  #spawnedPid: number | undefined;
  /** Ends the wait of a close() that is still letting calls finish. */
  readonly #stopWaiting = new AbortController();
  #lastActiveMs: number;

  private constructor(options: PeerConnectionOptions, source: PeerTransport, client: Client) {
    this.peer = options.peer;
    this.client = client;
    this.#source = source;
    this.#now = options.now ?? (() => performance.now());
    this.#lastActiveMs = this.#now();
  }

  /**
   * Connects, negotiating the protocol era: a `server/discover` probe finds a 2026-07-28 peer, and
   * any other answer (an error, or silence on stdio) falls back to the 2025 `initialize`
   * handshake. Rejects within about `connectTimeoutMs` (twice for a stdio peer that exits on the
   * probe: it is started again and greeted with `initialize` directly).
   */
  static async open(options: PeerConnectionOptions): Promise<PeerConnection> {
    const sdk = await loadClientSdk();
    try {
      return await PeerConnection.#open(sdk, options, {});
    } catch (error) {
      if (!(error instanceof ExitedOnProbe)) throw error;
      // Servers on SDKs that end on any request before `initialize` exit on the probe, and the
      // transport (in place, not the SDK's sibling probe) closed with them: a 2025-era peer.
      return PeerConnection.#open(sdk, options, { prior: { kind: 'legacy' } });
    }
  }

  static async #open(
    sdk: ClientSdk,
    options: PeerConnectionOptions,
    connectOptions: Pick<ConnectOptions, 'prior'>,
  ): Promise<PeerConnection> {
    const { signal } = options;
    signal?.throwIfAborted();
    const source = await options.transport(options.peer, options.config);
    if (signal?.aborted) {
      await source.transport.close().catch(() => {});
      signal.throwIfAborted();
    }
    const stdio = source.stderrTail !== undefined;
    const client = new sdk.Client(options.clientInfo, {
      // Declared on every connection (shared by callers): each request is relayed to the client
      // of the call it belongs to, and refused when that client lacks the capability (relay.ts).
      capabilities: RELAYED_CAPABILITIES,
      versionNegotiation: {
        mode: 'auto',
        // On stdio a silent probe means a 2025-era peer: half the time is left for `initialize`.
        ...(stdio ? { probe: { timeoutMs: Math.ceil(options.connectTimeoutMs / 2) } } : {}),
      },
    });
    const connection = new PeerConnection(options, source, client);
    client.onclose = () => {
      connection.#closed = true;
    };
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      options.onToolsChanged();
    });
    connection.#relayToClient();
    try {
      await client.connect(source.transport, {
        ...connectOptions,
        timeout: options.connectTimeoutMs,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      await connection.close();
      if (
        stdio &&
        connectOptions.prior === undefined &&
        error instanceof sdk.SdkError &&
        error.code === sdk.SdkErrorCode.EraNegotiationFailed
      ) {
        // Ended with the whole process tree by close() above: nothing of it is left.
        throw new ExitedOnProbe(error);
      }
      const tail = source.stderrTail?.().trim();
      throw tail ? new Error(`${(error as Error).message}; peer stderr: ${tail}`) : error;
    }
    connection.#spawnedPid = connection.pid;
    // After connect: the SDK's Protocol has set the transport's handlers the raw leg wraps.
    connection.raw = RawCalls.install(client, source.transport, sdk);
    connection.#listen();
    return connection;
  }

  /** A peer's requests to the client and its log lines go to the caller of the call (relay.ts). */
  #relayToClient(): void {
    const { client, relay, peer } = this;
    for (const method of ['sampling/createMessage', 'elicitation/create', 'roots/list'] as const) {
      client.setRequestHandler(
        method,
        (request, ctx) =>
          relay.request(
            method,
            request.params as Record<string, unknown> | undefined,
            ctx.mcpReq.signal,
          ) as never,
      );
    }
    client.setNotificationHandler('notifications/message', (notification) => {
      relay.log(notification.params, peer);
    });
    // Replaces the SDK's own handler: calls register their listeners here, not with the SDK.
    const { progress } = this;
    client.setNotificationHandler('notifications/progress', (notification) => {
      progress.deliver(notification.params);
    });
  }

  /**
   * A 2026-07-28 peer sends list changes only on a `subscriptions/listen` stream: one is opened
   * when the peer says its tool list can change (a 2025-era peer sends them unasked).
   */
  #listen(): void {
    if (this.client.getProtocolEra() !== 'modern') return;
    if (!this.client.getServerCapabilities()?.tools?.listChanged) return;
    // The subscription ends with the connection; a peer that refuses it still serves calls.
    this.client.listen({ toolsListChanged: true }).catch(() => {});
  }

  /** The protocol version negotiated with the peer (`2025-11-25`, `2026-07-28`…). */
  get protocolVersion(): string | undefined {
    return this.client.getNegotiatedProtocolVersion();
  }

  /** True once the transport closed (process exited, stream ended) or `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Marks the connection unusable after a transport error; the pool replaces it. */
  markBroken(): void {
    this.#closed = true;
  }

  get pid(): number | undefined {
    return this.#source.pid?.() ?? undefined;
  }

  stderrTail(): string {
    return this.#source.stderrTail?.() ?? '';
  }

  /** Requests in progress on this connection. */
  get inFlight(): number {
    return this.#requests.count;
  }

  /** Marks the start of a call on this connection. */
  begin(): void {
    this.#requests.begin();
  }

  /** Marks the end of a call; the connection was alive until now. */
  end(): void {
    this.#lastActiveMs = this.#now();
    this.#requests.end();
  }

  /**
   * Still usable: open, and either busy or heard from within `pingIntervalMs`, or answering a
   * `ping` now (`server/discover` on a 2026-07-28 connection, which has no `ping`). A check per
   * reuse would double a call's round trip, so a busy one needs none.
   */
  async healthy(pingIntervalMs: number, pingTimeoutMs: number): Promise<boolean> {
    if (this.#closed) return false;
    if (this.inFlight > 0 || this.#now() - this.#lastActiveMs < pingIntervalMs) return true;
    try {
      if (this.client.getProtocolEra() === 'modern') {
        await this.client.discover({ timeout: pingTimeoutMs });
      } else {
        await this.client.ping({ timeout: pingTimeoutMs });
      }
      this.#lastActiveMs = this.#now();
      return !this.#closed;
    } catch {
      return false;
    }
  }

  /**
   * Closes the connection (for stdio: ends the peer's process), after the calls in flight on it
   * settle or `graceMs` passes. Idempotent; a later call with `graceMs` 0 stops waiting for the
   * calls at once (shutdown cuts short a close the pool began with a longer grace).
   */
  close(graceMs = 0): Promise<void> {
    if (this.#closing) {
      if (graceMs <= 0) this.#stopWaiting.abort();
      return this.#closing;
    }
    this.#closing = (async () => {
      if (!this.#closed) await this.#requests.idle(graceMs, this.#stopWaiting.signal);
      this.#closed = true;
      await this.client.close().catch(() => {});
    })();
    return this.#closing;
  }

  /**
   * Ends a stdio peer at once (SIGKILL; with its process tree when the transport can), for a
   * peer that outlives close().
   */
  kill(): void {
    if (this.#source.kill) {
      this.#source.kill();
      return;
    }
    const pid = this.#spawnedPid;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** The stdio peer closed the connection during the version probe (see PeerConnection.open). */
class ExitedOnProbe extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = 'ExitedOnProbe';
  }
}

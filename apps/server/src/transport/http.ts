import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type NodeMcpRequestHandler,
  NodeStreamableHTTPServerTransport as StreamableHTTPServerTransport,
  toNodeHandler,
} from '@modelcontextprotocol/node';
import {
  type AuthInfo,
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { principalOf, type RateLimitStore, ResourceServer } from '../auth/index.js';
import type { HttpConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import {
  BodyTooLargeError,
  checkHostAndOrigin,
  checkToken,
  classifiable,
  isLoopback,
  type RequestPolicy,
  readBody,
} from './request-checks.js';
import { SessionTable } from './sessions.js';
import type { McpHost, ServerTransport } from './types.js';

export interface HttpStats {
  /** Open 2025-era sessions (2026-07-28 requests carry none). */
  sessions: number;
  requests: number;
  rejected: number;
  /** `/mcp` POSTs served per protocol era: 2026-07-28 (`modern`) and 2025 (`legacy`). */
  eras: { modern: number; legacy: number };
}

/**
 * Holds a 2025-era session's answer until it ends, or until this turn of the event loop is over,
 * whichever comes first, then sends what was written in one write. The SDK answers a session's
 * POST as an event stream whose head goes out on its own and whose event and end follow: two
 * writes, each waking the client, where an answer ready at once (a cache hit, a quick tool) needs
 * one. A call still running after the turn has its head sent then, and its progress and answer
 * as they come. (A 2026-07-28 or stateless answer is one JSON body, written once already.)
 */
function oneWriteThisTurn(res: ServerResponse): void {
  res.cork();
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    res.uncork();
  };
  // 'prefinish' comes from end() once the last bytes are handed to the socket: still corked.
  res.once('prefinish', release);
  setImmediate(release);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function rpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
) {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

/**
 * Streamable HTTP in front of an MCP host (an `XServer`): `/mcp`, `/health` and `/metrics`, with
 * Host/Origin checks, a bearer token and a body limit before any byte reaches the MCP SDK. On
 * `/mcp` a 2026-07-28 request (its `_meta` envelope names its version) is served on its own by
 * the SDK's per-request handler, with no session; 2025-era traffic gets sessions with idle
 * expiry (or per-request stateless serving with `http.stateless`). Register it with `XServer.attach()` (or use
 * `XServer.serveHttp()`), so the server's shutdown closes it in order.
 */
export class HttpTransport implements ServerTransport {
  readonly #host: McpHost;
  readonly #options: HttpConfig;
  readonly #policy: RequestPolicy;
  readonly #server: Server;
  readonly #sessions: SessionTable;
  /** `http.auth`: OAuth access tokens instead of the static token. */
  readonly #auth: ResourceServer | undefined;
  /** With `http.auth`: the principal that opened each 2025 session, the only one it serves. */
  readonly #owners = new Map<string, string>();
  /** The 2026-07-28 leg: one server instance per request, `subscriptions/listen` on the host's bus. */
  readonly #modern: McpHttpHandler;
  readonly #serveModern: NodeMcpRequestHandler;
  readonly #eras = { modern: 0, legacy: 0 };
  #requests = 0;
  #rejected = 0;
  /** Initialize requests admitted but not yet registered as sessions. */
  #opening = 0;
  #accepting = true;
  #stopped: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /** `rateLimitStore`: Redis shared by instances, so `http.auth.rateLimit` counts across them. */
  constructor(host: McpHost, options: HttpConfig, rateLimitStore?: RateLimitStore) {
    if (!isLoopback(options.host) && options.token === undefined && options.auth === undefined) {
      throw new ConfigError(
        'http.token',
        `binding ${options.host} (not loopback) requires a bearer token: set X_SERVER_TOKEN or http.token, or OAuth with http.auth`,
        'http',
      );
    }
    this.#host = host;
    this.#options = options;
    this.#policy = {
      bindHost: options.host,
      token: options.token,
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
    };
    this.#sessions = new SessionTable({ idleMs: options.sessionIdleMs });
    this.#auth = options.auth ? new ResourceServer(options.auth, { rateLimitStore }) : undefined;
    // Legacy traffic never reaches it (`reject`): it is routed below, to sessions or stateless.
    this.#modern = createMcpHandler(() => host.createMcpServer(), {
      legacy: 'reject',
      bus: host.events,
      maxRequestBodySize: options.maxBodyBytes,
    });
    this.#serveModern = toNodeHandler(this.#modern, { maxRequestBodySize: options.maxBodyBytes });
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        rpcError(res, 500, -32603, `Internal error: ${(error as Error).message}`);
      });
    });
  }

  /** Starts listening; resolves with the bound address and the `/mcp` URL. */
  async listen(): Promise<{ host: string; port: number; url: string }> {
    await this.#host.metrics();
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        const address = this.#server.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve({
          host: address.address,
          port: address.port,
          url: `http://${host}:${address.port}/mcp`,
        });
      });
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#requests++;
    const path = (req.url ?? '/').split('?')[0];
    const refused = checkHostAndOrigin(req, this.#policy);
    if (refused) {
      this.#rejected++;
      rpcError(res, refused.status, -32000, refused.message);
      return;
    }
    if (path === '/health' && req.method === 'GET') {
      sendJson(res, 200, {
        status: this.#accepting ? 'ok' : 'closing',
        sessions: this.#sessions.size,
      });
      return;
    }
    if (this.#auth?.serveMetadata(req, res, path ?? '/')) return;
    if (this.#auth && (path === '/mcp' || path === '/metrics')) {
      // The verified token rides on the request: the SDK hands it to handlers as `authInfo`.
      const auth = await this.#auth.authenticate(req, res);
      if (!auth) {
        this.#rejected++;
        return;
      }
      (req as IncomingMessage & { auth?: typeof auth }).auth = auth;
    }
    const unauthorized = checkToken(req, this.#policy.token);
    if (unauthorized && (path === '/mcp' || path === '/metrics')) {
      this.#rejected++;
      rpcError(res, 401, -32001, unauthorized.message, { 'www-authenticate': 'Bearer' });
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      const metrics = await this.#host.metrics();
      const text = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(text);
      return;
    }
    if (path !== '/mcp' && this.#host.route && (await this.#host.route(req, res, path ?? '/'))) {
      return;
    }
    if (path !== '/mcp') {
      sendJson(res, 404, { error: `No route ${req.method} ${path}. The MCP endpoint is /mcp.` });
      return;
    }
    if (!this.#accepting) {
      rpcError(res, 503, -32000, 'Server is shutting down.', { connection: 'close' });
      return;
    }
    if (req.method === 'POST') await this.#post(req, res);
    else if (this.#options.stateless) {
      rpcError(res, 405, -32000, 'Method not allowed in stateless mode: use POST.', {
        allow: 'POST',
      });
    } else await this.#sessionRequest(req, res, undefined);
  }

  async #post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      const raw = await readBody(req, this.#options.maxBodyBytes);
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      this.#rejected++;
      if (error instanceof BodyTooLargeError) {
        rpcError(res, 413, -32000, error.message, { connection: 'close' });
        req.resume();
      } else {
        rpcError(res, 400, -32700, `Parse error: ${(error as Error).message}`);
      }
      return;
    }
    // The SDK's own classification: a request with the 2026-07-28 envelope claim (even one naming
    // a version we do not serve, which the modern leg answers with its typed error) is modern.
    // It reads the parsed body we pass beside the request, so the request needs no body of its own:
    // serialising the body again only to classify it would cost every POST a JSON.stringify.
    if (!(await isLegacyRequest(classifiable(req), body))) {
      this.#eras.modern++;
      const uris = listenedResources(body);
      if (uris) this.#host.listening?.(uris);
      await this.#serveModern(req, res, body);
      return;
    }
    this.#eras.legacy++;
    if (this.#options.stateless) {
      const server = this.#host.createMcpServer();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    oneWriteThisTurn(res);
    await this.#sessionRequest(req, res, body);
  }

  async #sessionRequest(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const id = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(id) ? id[0] : id;
    const caller = (req as IncomingMessage & { auth?: AuthInfo }).auth;
    if (sessionId !== undefined) {
      // Another principal's session is answered as unknown (its stream carries the owner's
      // requests from peers, its subscriptions the owner's): nothing of it is touched.
      const owner = this.#owners.get(sessionId);
      const foreign = owner !== undefined && (!caller || principalOf(caller) !== owner);
      const transport = foreign ? undefined : this.#sessions.touch(sessionId);
      if (!transport) {
        rpcError(res, 404, -32001, 'Session not found or expired: initialize a new session.');
        return;
      }
      // A GET is the client's listening stream, open for the session's whole life: it must not
      // count as activity, or a client that went quiet would hold its session forever.
      if (req.method === 'GET') await transport.handleRequest(req, res, body);
      else await this.#sessions.track(sessionId, () => transport.handleRequest(req, res, body));
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      rpcError(
        res,
        400,
        -32000,
        'Bad request: send an initialize request without mcp-session-id first.',
      );
      return;
    }
    // Sessions being initialized count too: several initialize requests at once must not all
    // pass the check before any of them is registered.
    if (this.#sessions.size + this.#opening >= this.#options.maxSessions) {
      rpcError(
        res,
        503,
        -32000,
        `Too many sessions (http.maxSessions = ${this.#options.maxSessions}).`,
      );
      return;
    }
    this.#opening++;
    let reserved = true;
    const unreserve = () => {
      if (reserved) this.#opening--;
      reserved = false;
    };
    const server = this.#host.createMcpServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (newId) => {
        unreserve();
        if (caller) this.#owners.set(newId, principalOf(caller));
        this.#sessions.add(newId, transport, () => server.close());
      },
    });
    transport.onclose = () => {
      if (!transport.sessionId) return;
      this.#sessions.forget(transport.sessionId);
      this.#owners.delete(transport.sessionId);
    };
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } finally {
      unreserve();
      // An initialize the SDK refused leaves no session: nothing may keep its server.
      if (transport.sessionId === undefined) {
        await transport.close().catch(() => {});
        await server.close().catch(() => {});
      }
    }
  }

  /** Open 2025-era sessions. */
  get sessions(): number {
    return this.#sessions.size;
  }

  /**
   * Refuses new requests (`/mcp` answers 503, `/health` says `closing`) and new connections;
   * requests in flight go on. Idempotent.
   */
  stopAccepting(): void {
    if (!this.#accepting) return;
    this.#accepting = false;
    this.#stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
  }

  /** Closes every session and connection, and the listener. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stopAccepting();
      await Promise.allSettled([this.#sessions.closeAll(), this.#modern.close()]);
      this.#server.closeAllConnections();
      await this.#stopped;
    })();
    return this.#closing;
  }

  stats(): HttpStats {
    return {
      sessions: this.#sessions.size,
      requests: this.#requests,
      rejected: this.#rejected,
      eras: { ...this.#eras },
    };
  }
}

/** The resource URIs a `subscriptions/listen` request asks for, if it is one that names some. */
function listenedResources(body: unknown): string[] | undefined {
  const request = body as { method?: unknown; params?: { notifications?: unknown } } | null;
  if (request?.method !== 'subscriptions/listen') return undefined;
  const uris = (request.params?.notifications as { resourceSubscriptions?: unknown } | undefined)
    ?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((uri) => typeof uri === 'string') : undefined;
}

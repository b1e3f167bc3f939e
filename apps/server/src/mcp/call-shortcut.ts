import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isInputRequiredResult,
  type JSONRPCMessage,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { LEG_CONTROLLER } from './client-channel.js';

/** How a `tools/call` is served: the same function the SDK's handler calls. */
export type CallTool = (
  request: { params: { name: string; arguments?: Record<string, unknown> | undefined } },
  ctx: ServerContext,
) => Promise<CallToolResult>;

type Send = (message: JSONRPCMessage) => Promise<void>;

/** The `_meta` keys of a 2026-07-28 request's envelope (the SDK lifts them off `_meta`). */
const ENVELOPE_KEYS = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
];

/** The prefix of the `_meta` keys the MCP specification reserves. */
const RESERVED_PREFIX = 'io.modelcontextprotocol/';

/** Envelopes told apart per connection before the oldest is checked again (a client sends one). */
const ENVELOPES_KEPT = 8;

/**
 * What the shortcut uses of the SDK server beyond its public API, for the 2026-07-28 era, so the
 * answer is the SDK's own: the era codec (its envelope check and result encoding), the server
 * info it stamps, and its input-required gate (the capabilities an `input_required` asks for
 * must be in the request's envelope). The tests compare every answer with the SDK path's.
 */
interface ServerInternals {
  _negotiatedWireCodec(): {
    checkInboundEnvelope(material: { envelope: Record<string, unknown> }): string | undefined;
    encodeResult(method: string, result: unknown, serverInfo: unknown): Record<string, unknown>;
  };
  _outboundServerInfo(): unknown;
  _invokeInputRequiredCapableHandler(
    method: string,
    handler: CallTool,
    request: { params: Record<string, unknown> },
    ctx: ServerContext,
  ): Promise<CallToolResult>;
  readonly transport: unknown;
}

/**
 * `tools/call` of a stdio connection served past the SDK's request machinery: the stdio
 * transport offers each message it read here first ({@link CallShortcut.take}), and a well-formed
 * `tools/call` of an initialized client is answered by the same `callTool` the SDK's handler runs
 * (the dispatcher, cache, breaker, scheduler and telemetry all stay on the path), without the
 * SDK's zod parse of the request and of the answer, its per-request context and its pump. What
 * the SDK would refuse (a malformed request, anything before `initialize`) still goes to it, so it
 * answers with its own error. For a call served here, as for the SDK's:
 * - `notifications/cancelled` naming it aborts its signal and no answer is sent;
 * - the connection closing aborts it (`ConnectionClosed`, the SDK's reason);
 * - progress and log lines go out as notifications, requests to the client (a peer's sampling,
 *   elicitation, roots) as the SDK server's own requests related to the call;
 * - a thrown error answers as a JSON-RPC error with its code (`InternalError` without one).
 * The answer is the handler's result without the SDK's zod check of it (every result here is built
 * by x-server or checked where it came from): as the 2025 codec sends it, or encoded by the
 * 2026-07-28 codec (result type, server info). A 2026-07-28 request is taken once the SDK has
 * pinned the connection's era (the first modern request after `server/discover` is the SDK's),
 * when its envelope is one the SDK's own check accepted on this connection (checked once per
 * envelope) and it is a first leg: a retry with `inputResponses` or `requestState` goes to the SDK.
 * A `_meta` key the protocol reserves other than the envelope's (`io.modelcontextprotocol/…`),
 * which the SDK checks or lifts, also leaves the call to the SDK.
 */
export class CallShortcut {
  readonly #server: Server;
  readonly #callTool: CallTool;
  readonly #calls = new Map<string | number, AbortController>();
  readonly #modern: boolean;
  /**
   * 2026-07-28: whether the SDK has been handed a request that pins the connection's era. After
   * `server/discover` the SDK's stdio entry holds its instance as a probe until another modern
   * request reaches it (a 2025-era message then replaces it); the shortcut serves nothing before.
   */
  #pinned = false;
  /** Envelopes the SDK's check accepted, by their JSON (modern era). */
  readonly #envelopes = new Set<string>();
  #closed = false;

  constructor(server: Server, callTool: CallTool, era: 'legacy' | 'modern' = 'legacy') {
    this.#server = server;
    this.#callTool = callTool;
    this.#modern = era === 'modern';
  }

  /**
   * Serves `message` when it is a `tools/call` this shortcut takes (or the cancellation of one it
   * serves); answers false for every other message, which then goes to the SDK as usual.
   */
  take(message: JSONRPCMessage, send: Send): boolean {
    const { method, params, id } = message as {
      method?: unknown;
      params?: unknown;
      id?: unknown;
    };
    if (method === 'notifications/cancelled') return this.#cancel(params);
    if (this.#modern && !this.#pinned) {
      this.#pinned = this.#pins(method, id, params);
      // The request that pins the era is the SDK's, and so is everything before it.
      return false;
    }
    if (method !== 'tools/call' || this.#closed) return false;
    if (typeof id !== 'string' && typeof id !== 'number') return false;
    if (this.#calls.has(id) || !wellFormed(params)) return false;
    if (params._meta !== undefined && this.#reserved(params._meta)) return false;
    let meta = params._meta;
    let envelope: Record<string, unknown> | undefined;
    if (this.#modern) {
      // An instance the SDK let go (a discarded probe) serves nothing more.
      if ((this.#server as unknown as ServerInternals).transport === undefined) return false;
      const lifted = this.#lift(meta);
      if (!lifted) return false;
      ({ meta, envelope } = lifted);
    } else if (this.#server.getClientCapabilities() === undefined) {
      // Before the handshake the client's capabilities are unknown: the SDK serves (or refuses).
      return false;
    }
    const controller = new AbortController();
    this.#calls.set(id, controller);
    const { signal } = controller;
    const server = this.#server;
    const notify = (notification: { method: string; params?: unknown }) =>
      send({ jsonrpc: '2.0', method: notification.method, params: notification.params } as never);
    // The fields of a ServerContext that x-server reads (client-channel.ts, server.ts).
    const ctx = {
      sessionId: undefined,
      http: undefined,
      mcpReq: {
        id,
        method: 'tools/call',
        _meta: meta,
        envelope,
        signal,
        requestState: noRequestState,
        notify,
        log: (level: string, data: unknown, logger?: string) =>
          notify({
            method: 'notifications/message',
            params: logger === undefined ? { level, data } : { level, data, logger },
          }),
        send: (request: { method: string }, options?: Record<string, unknown>) =>
          server.request(request as never, { ...options, relatedRequestId: id } as never),
        // Aborted with the leg, never after its answer: a 2026-07-28 call may keep it as its own.
        [LEG_CONTROLLER]: controller,
      },
    } as unknown as ServerContext;
    const request = { params: meta === params._meta ? params : withMeta(params, meta) };
    // #serve is async: whatever it throws arrives as a rejection.
    this.#serve(request, ctx)
      .then(
        (result) => (signal.aborted ? undefined : send({ jsonrpc: '2.0', id, result } as never)),
        (error) => (signal.aborted ? undefined : send(errorAnswer(id, error))),
      )
      .catch((error) => server.onerror?.(new Error(`Failed to send response: ${error}`)))
      .finally(() => {
        if (this.#calls.get(id) === controller) this.#calls.delete(id);
      });
    return true;
  }

  /** The call's answer as the SDK's handler wrapper and codec would send it. */
  async #serve(
    request: { params: Record<string, unknown> },
    ctx: ServerContext,
  ): Promise<Record<string, unknown>> {
    if (!this.#modern) {
      return withContent(await this.#callTool(request as Parameters<CallTool>[0], ctx));
    }
    const server = this.#server as unknown as ServerInternals;
    const result = await server._invokeInputRequiredCapableHandler(
      'tools/call',
      this.#callTool,
      request,
      ctx,
    );
    const answer = isInputRequiredResult(result) ? result : withContent(result);
    return server
      ._negotiatedWireCodec()
      .encodeResult('tools/call', answer, server._outboundServerInfo());
  }

  /**
   * A 2026-07-28 request's `_meta` split as the SDK splits it: the envelope keys, and the rest
   * (`undefined` when nothing is left). Undefined when the SDK is to serve the request: no
   * envelope, or one the SDK's check refuses (it answers with its error).
   */
  #lift(
    meta: Record<string, unknown> | undefined,
  ): { meta: Record<string, unknown> | undefined; envelope: Record<string, unknown> } | undefined {
    if (meta === undefined) return undefined;
    const envelope: Record<string, unknown> = {};
    let rest: Record<string, unknown> | undefined;
    for (const key in meta) {
      if (ENVELOPE_KEYS.includes(key)) envelope[key] = meta[key];
      else {
        rest ??= {};
        rest[key] = meta[key];
      }
    }
    const seen = JSON.stringify(envelope);
    if (!this.#envelopes.has(seen)) {
      const codec = (this.#server as unknown as ServerInternals)._negotiatedWireCodec();
      if (codec.checkInboundEnvelope({ envelope }) !== undefined) return undefined;
      if (this.#envelopes.size >= ENVELOPES_KEPT) this.#envelopes.clear();
      this.#envelopes.add(seen);
    }
    return { meta: rest, envelope };
  }

  /**
   * Whether a message the SDK gets pins the 2026-07-28 era: a request other than
   * `server/discover` with an envelope the SDK's check accepts (the SDK answers any other).
   */
  #pins(method: unknown, id: unknown, params: unknown): boolean {
    if (typeof method !== 'string' || method === 'server/discover') return false;
    if (typeof id !== 'string' && typeof id !== 'number') return false;
    const meta = isObject(params) ? params._meta : undefined;
    return isObject(meta) && this.#lift(meta) !== undefined;
  }

  /**
   * A `_meta` key the protocol reserves (`io.modelcontextprotocol/…`) that the shortcut does not
   * read: the SDK checks or lifts it, so such a call is the SDK's to serve (the 2026-07-28
   * envelope's own keys excepted, in that era).
   */
  #reserved(meta: Record<string, unknown>): boolean {
    for (const key in meta) {
      if (!key.startsWith(RESERVED_PREFIX)) continue;
      if (!this.#modern || !ENVELOPE_KEYS.includes(key)) return true;
    }
    return false;
  }

  #cancel(params: unknown): boolean {
    const { requestId, reason } = (params ?? {}) as { requestId?: unknown; reason?: unknown };
    const controller = this.#calls.get(requestId as string | number);
    if (!controller) return false;
    controller.abort(reason);
    return true;
  }

  /** The connection closed: calls served here are aborted, as the SDK aborts its handlers. */
  close(): void {
    this.#closed = true;
    const error = new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
    for (const controller of this.#calls.values()) controller.abort(error);
    this.#calls.clear();
  }
}

const noRequestState = () => undefined;

/** `params` with `_meta` replaced (left out when `undefined`). */
function withMeta(
  params: Record<string, unknown>,
  meta: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const { _meta: _dropped, ...rest } = params;
  return meta === undefined ? rest : { ...rest, _meta: meta };
}

/**
 * The SDK's `normalizeContentlessToolResult`: a result without `content` (and not of another
 * family) gets an empty one.
 */
function withContent(result: Record<string, unknown>): Record<string, unknown> {
  if (result.content !== undefined || 'task' in result || 'inputRequests' in result) return result;
  if ('requestState' in result) return result;
  return { ...result, content: [] };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What the SDK's `CallToolRequest` schema accepts, checked by hand: params with a string `name`,
 * an object `arguments` if any, an object `_meta` whose `progressToken` is a string or an integer
 * if any, and nothing else (a task-augmented call, say, is the SDK's to serve).
 */
function wellFormed(params: unknown): params is {
  name: string;
  arguments?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
} {
  if (!isObject(params) || typeof params.name !== 'string') return false;
  for (const key in params) {
    if (key !== 'name' && key !== 'arguments' && key !== '_meta') return false;
  }
  if (params.arguments !== undefined && !isObject(params.arguments)) return false;
  const meta = params._meta;
  if (meta === undefined) return true;
  if (!isObject(meta)) return false;
  const token = meta.progressToken;
  return token === undefined || typeof token === 'string' || Number.isInteger(token);
}

/** A thrown error as the SDK answers it: its own integer code, else `InternalError`. */
function errorAnswer(id: string | number, error: unknown): JSONRPCMessage {
  const { code, message, data } = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    data?: unknown;
  };
  const thrown = Number.isSafeInteger(code) ? (code as number) : ProtocolErrorCode.InternalError;
  return {
    jsonrpc: '2.0',
    id,
    error: {
      // The 2025 codec's mapping: -32002 (resource not found) goes out as invalid params.
      code: thrown === -32002 ? ProtocolErrorCode.InvalidParams : thrown,
      message: typeof message === 'string' ? message : 'Internal error',
      ...(data === undefined ? {} : { data }),
    },
  } as JSONRPCMessage;
}

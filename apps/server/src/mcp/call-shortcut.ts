import {
  type CallToolResult,
  type JSONRPCMessage,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';

/** How a `tools/call` is served: the same function the SDK's handler calls. */
export type CallTool = (
  request: { params: { name: string; arguments?: Record<string, unknown> | undefined } },
  ctx: ServerContext,
) => Promise<CallToolResult>;

type Send = (message: JSONRPCMessage) => Promise<void>;

/**
 * `tools/call` of a 2025-era connection served past the SDK's request machinery: the stdio
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
 * The answer is the handler's result as it is: the SDK's 2025 codec sends `tools/call` results
 * unchanged, and every result here is built by x-server or checked where it came from.
 */
export class CallShortcut {
  readonly #server: Server;
  readonly #callTool: CallTool;
  readonly #calls = new Map<string | number, AbortController>();
  #closed = false;

  constructor(server: Server, callTool: CallTool) {
    this.#server = server;
    this.#callTool = callTool;
  }

  /** Calls served here and not answered yet. */
  get inFlight(): number {
    return this.#calls.size;
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
    if (method !== 'tools/call' || this.#closed) return false;
    if (typeof id !== 'string' && typeof id !== 'number') return false;
    if (this.#calls.has(id) || !wellFormed(params)) return false;
    // Before the handshake the client's capabilities are unknown: the SDK serves (or refuses).
    if (this.#server.getClientCapabilities() === undefined) return false;
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
        _meta: params._meta,
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
      },
    } as unknown as ServerContext;
    let answered: Promise<void>;
    try {
      answered = this.#callTool({ params }, ctx).then(
        (result) => (signal.aborted ? undefined : send({ jsonrpc: '2.0', id, result } as never)),
        (error) => (signal.aborted ? undefined : send(errorAnswer(id, error))),
      );
    } catch (error) {
      answered = send(errorAnswer(id, error));
    }
    answered
      .catch((error) => server.onerror?.(new Error(`Failed to send response: ${error}`)))
      .finally(() => {
        if (this.#calls.get(id) === controller) this.#calls.delete(id);
      });
    return true;
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What the SDK's `CallToolRequest` schema accepts, checked by hand: params with a string `name`,
 * an object `arguments` if any, an object `_meta` whose `progressToken` is a string or number if
 * any, and nothing else (a task-augmented call, say, is the SDK's to serve).
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
  return token === undefined || typeof token === 'string' || typeof token === 'number';
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

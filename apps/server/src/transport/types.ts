import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONRPCMessage, Server, ServerEventBus } from '@modelcontextprotocol/server';

/**
 * Serves some messages of a connection ahead of the SDK (x-server's `tools/call` of a stdio
 * client, mcp/call-shortcut.ts): the transport offers it each message it read first.
 */
export interface MessageShortcut {
  /** True when it took `message` (and answers it through `send`); false leaves it to the SDK. */
  take(message: JSONRPCMessage, send: (message: JSONRPCMessage) => Promise<void>): boolean;
  /** The connection closed: what it serves is aborted. */
  close(): void;
}

/** What a transport needs from the server it carries (an `XServer` is one). */
export interface McpHost {
  /**
   * A fresh MCP server for one serving unit: a 2026-07-28 request, a 2025 session or stateless
   * request, or a stdio connection. Cheap: it points at definitions built once.
   */
  createMcpServer(): Server;
  /** What serves some of the messages of a stdio connection to `server` ahead of the SDK. */
  shortcut?(server: Server, era: 'legacy' | 'modern'): MessageShortcut | undefined;
  /** The change events `subscriptions/listen` streams receive (`tools/list_changed`). */
  readonly events: ServerEventBus;
  /** Prometheus metrics for `/metrics`, started on first use. */
  metrics(): Promise<{ text(): Promise<string>; readonly contentType: string }>;
  /**
   * Other routes of the host (the dashboard: `/`, `/dashboard/…`), offered every request that
   * passed the Host and Origin checks and is not `/mcp`, `/health` or `/metrics`; they check the
   * token themselves. Resolves `true` when it answered the request.
   */
  route?(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  /**
   * A 2026-07-28 client opens `subscriptions/listen` for these resource URIs: the SDK applies
   * the filter itself, so the host hears it here to subscribe on the peers that own them.
   */
  listening?(resourceSubscriptions: readonly string[]): void;
}

/**
 * A transport as the server's shutdown sees it. `XServer.close()` owns the order: every
 * transport stops accepting, the calls in flight drain (their answers still go out), then every
 * transport closes.
 */
export interface ServerTransport {
  /** Refuses new connections and requests from now on; calls in flight go on. Idempotent. */
  stopAccepting(): void;
  /** Closes every session and connection. Idempotent. */
  close(): Promise<void>;
  /** Open sessions (HTTP, 2025 era) or connections (stdio: 1 while connected). */
  readonly sessions: number;
}

import type { Readable, Writable } from 'node:stream';
import {
  type StdioServerHandle,
  StdioServerTransport,
  serveStdio,
} from '@modelcontextprotocol/server/stdio';
import type { McpHost, ServerTransport } from './types.js';

export interface StdioOptions {
  /** @default process.stdin */
  stdin?: Readable;
  /** @default process.stdout */
  stdout?: Writable;
  /** Called when the client closes stdin, which is how stdio clients say goodbye. */
  onDisconnect?: () => void;
}

/**
 * Serves one MCP client over stdin/stdout, in the era the client opens with: a 2025 `initialize`
 * handshake or a 2026-07-28 request (after its `server/discover`). Register it with
 * `XServer.attach()` (or use `XServer.serveStdio()`), so the server's shutdown closes it after the
 * calls in flight answered.
 */
export class StdioTransport implements ServerTransport {
  readonly #host: McpHost;
  readonly #options: StdioOptions;
  readonly #stdin: Readable;
  readonly #onEnd = () => this.#options.onDisconnect?.();
  #handle: StdioServerHandle | undefined;
  #closing: Promise<void> | undefined;

  constructor(host: McpHost, options: StdioOptions = {}) {
    this.#host = host;
    this.#options = options;
    this.#stdin = options.stdin ?? process.stdin;
  }

  /** Starts reading requests from stdin. */
  async start(): Promise<void> {
    if (this.#handle) return;
    this.#stdin.once('end', this.#onEnd);
    this.#handle = serveStdio(() => this.#host.createMcpServer(), {
      transport: new StdioServerTransport(this.#stdin, this.#options.stdout ?? process.stdout),
    });
  }

  get sessions(): number {
    return this.#handle && !this.#closing ? 1 : 0;
  }

  /** Nothing to refuse at the transport: the dispatcher refuses new calls once shutdown began. */
  stopAccepting(): void {}

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stdin.off('end', this.#onEnd);
      await this.#handle?.close();
    })();
    return this.#closing;
  }
}

import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
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
 * Serves one MCP client over stdin/stdout. Register it with `XServer.attach()` (or use
 * `XServer.serveStdio()`), so the server's shutdown closes it after the calls in flight answered.
 */
export class StdioTransport implements ServerTransport {
  readonly #host: McpHost;
  readonly #options: StdioOptions;
  readonly #stdin: Readable;
  readonly #onEnd = () => this.#options.onDisconnect?.();
  #server: ReturnType<McpHost['createMcpServer']> | undefined;
  #closing: Promise<void> | undefined;

  constructor(host: McpHost, options: StdioOptions = {}) {
    this.#host = host;
    this.#options = options;
    this.#stdin = options.stdin ?? process.stdin;
  }

  /** Connects the MCP server to the streams; resolves once it reads requests. */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = this.#host.createMcpServer();
    this.#server = server;
    this.#stdin.once('end', this.#onEnd);
    await server.connect(
      new StdioServerTransport(this.#stdin, this.#options.stdout ?? process.stdout),
    );
  }

  get sessions(): number {
    return this.#server && !this.#closing ? 1 : 0;
  }

  /** Nothing to refuse at the transport: the dispatcher refuses new calls once shutdown began. */
  stopAccepting(): void {}

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stdin.off('end', this.#onEnd);
      await this.#server?.close();
    })();
    return this.#closing;
  }
}

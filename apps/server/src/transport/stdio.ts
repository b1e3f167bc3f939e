import type { Readable, Writable } from 'node:stream';
import { type JSONRPCMessage, serializeMessage } from '@modelcontextprotocol/server';
import {
  type StdioServerHandle,
  StdioServerTransport,
  serveStdio,
} from '@modelcontextprotocol/server/stdio';
import { LineReader, parseLine } from '../json-rpc-lines.js';
import type { McpHost, MessageShortcut, ServerTransport } from './types.js';

/** What a send the pipe took at once resolves with (one settled promise for all of them). */
const SENT = Promise.resolve();

/**
 * The SDK's stdio server transport, reading its client's lines the cheap way: one JSON.parse
 * and an envelope check per message instead of the SDK reader's zod parse of the whole message,
 * which the SDK's Protocol does again anyway (it answers or reports what it cannot place). As
 * the SDK's reader does, a line that is not JSON is skipped and JSON that is not JSON-RPC is
 * reported through `onerror`; a line over the SDK's 10 MB limit closes the transport. Each
 * message is offered first to the connection's shortcut (the host's `tools/call` past the SDK).
 */
class LineStdioServerTransport extends StdioServerTransport {
  readonly #lines = new LineReader('the client');
  /** Offered each message first, once the instance serving the connection exists (types.ts). */
  shortcut: MessageShortcut | undefined;
  readonly #send = (message: JSONRPCMessage) => this.send(message);
  readonly #stdout: Writable;
  #closed = false;

  constructor(stdin: Readable, stdout: Writable) {
    super(stdin, stdout);
    this.#stdout = stdout;
    this._ondata = (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = this.#lines.push(chunk);
      } catch (error) {
        this.onerror?.(error as Error);
        this.close().catch(() => {});
        return;
      }
      for (const line of lines) this.#read(line);
    };
  }

  #read(line: string): void {
    const read = parseLine(line, 'the client');
    if (read instanceof Error) this.onerror?.(read);
    else if (read && !this.shortcut?.take(read as JSONRPCMessage, this.#send)) {
      this.onmessage?.(read as JSONRPCMessage);
    }
  }

  /**
   * The SDK's send without its per-message promise and `error` listener when the pipe takes the
   * line at once (the common case): resolves then, as the SDK's does; a full pipe waits for
   * `drain`, and a write that fails then rejects, as in the SDK's.
   */
  override send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('StdioServerTransport is closed'));
    const stdout = this.#stdout;
    if (stdout.write(serializeMessage(message))) return SENT;
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        stdout.off('error', onError);
        resolve();
      };
      const onError = (error: Error) => {
        stdout.off('drain', onDrain);
        reject(error);
      };
      stdout.once('drain', onDrain);
      stdout.once('error', onError);
    });
  }

  override close(): Promise<void> {
    this.#closed = true;
    this.#lines.clear();
    this.shortcut?.close();
    return super.close();
  }
}

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
    const host = this.#host;
    const wire = new LineStdioServerTransport(this.#stdin, this.#options.stdout ?? process.stdout);
    this.#handle = serveStdio(
      ({ era }) => {
        const server = host.createMcpServer();
        // The instance that serves the connection from now on (a 2025-era one replaces a
        // 2026-07-28 probe the client did not go on with: the probe's calls end with it).
        wire.shortcut?.close();
        wire.shortcut = host.shortcut?.(server, era);
        return server;
      },
      { transport: wire },
    );
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

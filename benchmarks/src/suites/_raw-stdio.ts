/**
 * A minimal MCP client over stdio: newline-delimited JSON-RPC written and read by hand, with no
 * SDK on the client side. The hot-path suite uses it beside the SDK 2 client so that a round trip
 * shows the servers' own cost: the SDK client adds 30-70 µs of its own to every round trip here,
 * the same with every server, which puts a floor under any ratio of round trips.
 *
 * It speaks either era as the SDK 2 client does on the wire: 2025-11-25 with `initialize` and
 * `notifications/initialized`; 2026-07-28 with `server/discover` and the client envelope in every
 * request's `_meta`. The file name starts with `_`, so the bench CLI does not take it for a suite.
 */
import { spawn } from 'node:child_process';
import { type Era, endProcess, track } from './_processes.js';

interface Answer {
  id?: number;
  method?: string;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

const CLIENT_INFO = { name: 'bench-raw', version: '1.0.0' };

/** How long the handshake or a call may wait for its answer (the SDK client waits 60 s). */
const TIMEOUT_MS = 30_000;

/** The 2026-07-28 client envelope, the same in every request (`_meta` of its params). */
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
  'io.modelcontextprotocol/clientCapabilities': {},
};

export class RawStdioClient {
  readonly #pending = new Map<number, { resolve(answer: Answer): void; reject(e: Error): void }>();
  readonly #write: (line: string) => void;
  readonly #close: () => Promise<void>;
  readonly #timeoutMs: number;
  #next = 1;
  #exited: Error | undefined;

  private constructor(
    readonly era: Era,
    readonly pid: number,
    write: (line: string) => void,
    close: () => Promise<void>,
    timeoutMs: number,
  ) {
    this.#write = write;
    this.#close = close;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Spawns the server, runs the era's handshake, and resolves once the server answered it. If the
   * handshake fails (refused, no answer within `timeoutMs`, the server exits) the server is ended
   * before the error is thrown.
   */
  static async start(
    era: Era,
    server: { command: string; args: string[]; cwd?: string },
    options: { timeoutMs?: number } = {},
  ): Promise<RawStdioClient> {
    const child = spawn(server.command, server.args, {
      cwd: server.cwd,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    track(child.pid);
    const pid = child.pid ?? 0;
    const client = new RawStdioClient(
      era,
      pid,
      (line) => child.stdin.write(line),
      async () => {
        child.stdin.end();
        if (pid) await endProcess(pid);
      },
      options.timeoutMs ?? TIMEOUT_MS,
    );
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf('\n');
      while (end !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        client.#read(line);
        end = buffered.indexOf('\n');
      }
    });
    child.stdin.on('error', () => {}); // a write after the child died: its exit rejects the call
    child.once('error', (error) => client.#fail(error));
    child.once('exit', (code, signal) =>
      client.#fail(new Error(`server exited (${signal ?? `code ${code}`})`)),
    );
    try {
      if (era === '2026-07-28') {
        await client.#request('server/discover', { _meta: ENVELOPE });
      } else {
        await client.#request('initialize', {
          protocolVersion: era,
          capabilities: {},
          clientInfo: CLIENT_INFO,
        });
        client.#write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
      }
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** Calls a tool; resolves with its result, rejects on a JSON-RPC error or a tool error. */
  async callTool(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const params =
      this.era === '2026-07-28'
        ? { name, arguments: args, _meta: ENVELOPE }
        : { name, arguments: args };
    const result = await this.#request('tools/call', params);
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return result;
  }

  close(): Promise<void> {
    return this.#close();
  }

  #request(method: string, params: object): Promise<Record<string, unknown>> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      // Awaited by the caller: the timer keeps the process alive until it fires or is cleared.
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, {
        resolve: (answer) => {
          clearTimeout(timer);
          if (answer.error) {
            reject(new Error(`${method}: ${answer.error.message} (${answer.error.code})`));
          } else resolve(answer.result ?? {});
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  /** One line from the server: an answer settles its call; anything else is passed over. */
  #read(line: string): void {
    let answer: Answer;
    try {
      answer = JSON.parse(line) as Answer;
    } catch {
      return; // not JSON (a stray line a server printed): no answer to anyone
    }
    // A notification, or a request from the server (its id is the server's, not one of ours).
    if (typeof answer !== 'object' || answer === null) return;
    if (answer.method !== undefined || typeof answer.id !== 'number') return;
    const pending = this.#pending.get(answer.id);
    this.#pending.delete(answer.id);
    pending?.resolve(answer);
  }

  #fail(error: Error): void {
    this.#exited ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

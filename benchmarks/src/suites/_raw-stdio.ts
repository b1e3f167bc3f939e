/**
 * A minimal MCP client over stdio: newline-delimited JSON-RPC written and read by hand, with no
 * SDK on the client side. The hot-path suite uses it beside the SDK 2 client so that a round trip
 * shows the servers' own cost: the SDK client spends about 0.1 ms of its own on every call here,
 * the same for every server, which puts a floor under any ratio of round trips.
 *
 * It speaks either era as the SDK 2 client does on the wire: 2025-11-25 with `initialize` and
 * `notifications/initialized`; 2026-07-28 with `server/discover` and the client envelope in every
 * request's `_meta`. The file name starts with `_`, so the bench CLI does not take it for a suite.
 */
import { spawn } from 'node:child_process';
import { type Era, endProcess, track } from './_processes.js';

interface Answer {
  id?: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

const CLIENT_INFO = { name: 'bench-raw', version: '1.0.0' };

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
  #next = 1;
  #exited: Error | undefined;

  private constructor(
    readonly era: Era,
    readonly pid: number,
    write: (line: string) => void,
    close: () => Promise<void>,
  ) {
    this.#write = write;
    this.#close = close;
  }

  /** Spawns the server, runs the era's handshake, and resolves once the server answered it. */
  static async start(
    era: Era,
    server: { command: string; args: string[]; cwd?: string },
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
    );
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf('\n');
      while (end !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (line.trim()) client.#take(JSON.parse(line) as Answer);
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
      this.#pending.set(id, {
        resolve: (answer) =>
          answer.error
            ? reject(new Error(`${method}: ${answer.error.message} (${answer.error.code})`))
            : resolve(answer.result ?? {}),
        reject,
      });
      this.#write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  #take(answer: Answer): void {
    if (typeof answer.id !== 'number') return; // a notification or a request from the server
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

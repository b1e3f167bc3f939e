/**
 * Servers in their own processes, for the suites that put the client here and each server in a
 * child: spawning an HTTP server and reading the URL it prints, MCP SDK 2 clients in either
 * protocol era over stdio or Streamable HTTP, and the bookkeeping that ends every child with the
 * suite (a `Closers` stack the suite's teardown empties, and a last-resort kill on exit).
 *
 * The file name starts with `_`, so the bench CLI does not take it for a suite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

/** The two protocol eras a client can speak: the 2025 handshake, or the stateless 2026 core. */
export type Era = '2025-11-25' | '2026-07-28';
export const ERAS: readonly Era[] = ['2025-11-25', '2026-07-28'];

/** How each era's client is described in workload names. */
export const ERA_CLIENT: Record<Era, string> = {
  '2025-11-25': '2025-11-25 (2.x client, default legacy mode)',
  '2026-07-28': "2026-07-28 (2.x client pinned '2026-07-28')",
};

/** The bare SDK 2 server script (plain .mjs, run with this Node). */
export const BARE_SERVER = join(dirname(fileURLToPath(import.meta.url)), '_bare-server.mjs');

/** The built x-server CLI: the same file `node apps/server/dist/cli.js` runs. */
export const X_SERVER_CLI = join(
  dirname(fileURLToPath(import.meta.resolve('@x/server'))),
  'cli.js',
);

/** How long a child may take to start, and to end after SIGTERM before it gets SIGKILL. */
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

// Every child process still running, killed when this process exits however it exits: the
// suites close their children in teardown, this only catches what an error skipped.
const running = new Set<number>();
let exitHookInstalled = false;

/** Kills the child `pid` when this process exits, if nothing ended it before. */
export function track(pid: number | null | undefined): void {
  if (!pid) return;
  running.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the children started here that are still running (for tests and leak checks). */
export function runningChildren(): number[] {
  return [...running].filter(isAlive);
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (isAlive(pid)) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Ends `pid` (SIGTERM, then SIGKILL after the grace period) and waits until it is gone. */
export async function endProcess(pid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // exited meanwhile
    }
    if (!(await waitGone(pid, graceMs))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
      await waitGone(pid, graceMs);
    }
  }
  running.delete(pid);
}

/**
 * A stack of clean-ups, run last-in first-out; every one runs even when one fails. A suite
 * pushes each client and child as it starts it and empties the stack in teardown (and when
 * building its workloads fails part-way).
 */
export class Closers {
  readonly #stack: (() => unknown)[] = [];

  push(close: () => unknown): void {
    this.#stack.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.#stack.splice(0).reverse()) {
      try {
        await close();
      } catch {
        // keep closing the rest
      }
    }
  }
}

export interface HttpChild {
  /** The MCP endpoint the child printed, e.g. `http://127.0.0.1:41234/mcp`. */
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  close(): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * Starts an HTTP server in a child process and resolves with the `http://…` URL it prints (on
 * stdout or stderr) after the word `listening on`. Rejects, with the child's last output and the
 * child ended, if it exits or stays silent past the timeout.
 */
export function spawnHttpServer(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<HttpChild> {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child.pid);
  const pid = child.pid ?? 0;
  const close = () => (pid ? endProcess(pid) : Promise.resolve());
  let output = '';
  return new Promise<HttpChild>((resolve, reject) => {
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const tail = output.trim().split('\n').slice(-10).join('\n');
      void close().then(() =>
        reject(new Error(`${[command, ...args].join(' ')}: ${reason}${tail ? `\n${tail}` : ''}`)),
      );
    };
    const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
    const timer = setTimeout(
      () => fail(`no "listening on <url>" within ${timeoutMs} ms`),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      if (settled) return; // keep draining the pipe so the child never blocks on a full buffer
      output = (output + chunk.toString('utf8')).slice(-8_192);
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      resolve({ url: match[1]!, pid, close });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => fail(error.message));
    child.once('close', (code, signal) => {
      running.delete(pid);
      fail(`exited (${signal ?? `code ${code}`}) before listening`);
    });
  });
}

function clientFor(era: Era, name: string): Client {
  return new Client(
    { name, version: '1.0.0' },
    era === '2026-07-28' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
}

export interface StdioClient {
  client: Client;
  /** The server's pid (the child the transport spawned). */
  pid: number;
  /** Closes the client; the transport ends the child (stdin EOF, SIGTERM, SIGKILL). */
  close(): Promise<void>;
}

/**
 * An SDK 2 client speaking `era`, over stdio to a server it spawns. If connecting fails the
 * child is ended before the error is thrown.
 */
export async function stdioClient(
  era: Era,
  server: { command: string; args: string[]; cwd?: string; env?: Record<string, string> },
  name = 'bench',
): Promise<StdioClient> {
  const transport = new StdioClientTransport({ ...server, stderr: 'ignore' });
  const client = clientFor(era, name);
  const close = async () => {
    const pid = transport.pid;
    await client.close().catch(() => {});
    await transport.close().catch(() => {});
    if (pid) await endProcess(pid);
  };
  try {
    await client.connect(transport);
  } catch (error) {
    await close();
    throw error;
  }
  track(transport.pid);
  return { client, pid: transport.pid ?? 0, close };
}

/** An SDK 2 client speaking `era` over Streamable HTTP. */
export async function httpClient(era: Era, url: string, name = 'bench'): Promise<Client> {
  const client = clientFor(era, name);
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return client;
}

/** A short, single-line description of an error, for notes on stderr. */
export function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 200);
}

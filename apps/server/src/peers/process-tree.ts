import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { LineReader, parseLine } from '../json-rpc-lines.js';

/**
 * How a stdio peer is ended: its stdin is closed; if its process group is still there after
 * `STDIN_WAIT_MS`, the group gets SIGTERM; after another `TERM_WAIT_MS`, SIGKILL; then close()
 * waits up to `KILL_WAIT_MS` for the group to be gone. The three add up to less than the
 * gateway's shutdown margin (`SHUTDOWN_MARGIN_MS`, 2 s).
 */
export const STDIN_WAIT_MS = 1_000;
export const TERM_WAIT_MS = 500;
export const KILL_WAIT_MS = 400;

/** How often close() looks whether the peer's process group is gone. */
const GONE_CHECK_MS = 25;

const STDERR_TAIL_CHARS = 2_000;

export interface ProcessTreeOptions {
  command: string;
  args?: string[];
  /** Added to the SDK's default environment (PATH, HOME… only). */
  env?: Record<string, string>;
  cwd?: string;
}

/** Process groups of the peers running now, signalled if this process exits without closing. */
const running = new Set<number>();
let exitHook = false;

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: the group exists but is not ours to signal (it still counts as there).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True while a process of the group runs. A process that has exited but is not reaped yet (a
 * zombie: an orphan waits for init to reap it, which some inits do slowly) holds nothing and
 * does not count; Linux tells them apart in /proc, elsewhere any member counts.
 */
export function groupRuns(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // Gone since the listing.
      }
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
    }
    return false;
  } catch {
    return true;
  }
}

function track(pgid: number): void {
  running.add(pgid);
  if (exitHook) return;
  exitHook = true;
  // An exit without close() (process.exit, an uncaught exception): the peers' stdin closes
  // anyway, and each group is asked to end as well. SIGKILL of this process runs no hook.
  process.once('exit', () => {
    for (const group of running) signalGroup(group, 'SIGTERM');
  });
}

/**
 * The SDK's stdio client transport, but the peer is started in a process group of its own
 * (`detached`), and ended with that whole group: a peer started through a wrapper (`npx`,
 * `sh -c`, a script) is a tree of processes, and signalling only the wrapper leaves its children
 * running with our pipes open — which also keeps this process from exiting. POSIX only: on
 * Windows the gateway uses the SDK's transport (no process groups).
 *
 * Not covered: a process of the tree that leaves the group itself (`setsid`, a daemon).
 *
 * It has `pid` and `stderr` like the SDK's stdio transport, so the SDK's version negotiation
 * treats it as stdio (a silent probe means a 2025-era peer), and, not being the SDK's own class,
 * probes in place: no sibling process is spawned (see connection.ts for a peer that exits on
 * the probe).
 */
export class ProcessTreeTransport implements Transport {
  readonly #options: ProcessTreeOptions;
  readonly #lines = new LineReader('the peer');
  /** Resolves when stdin drains, while a write found the pipe full: one listener for all sends. */
  #drained: Promise<void> | undefined;
  #child: ChildProcess | undefined;
  #pgid: number | undefined;
  #tail = '';
  #closed = false;
  #closing: Promise<void> | undefined;

  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(options: ProcessTreeOptions) {
    this.#options = options;
  }

  /** The peer's process id (the leader of its process group) while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * The peer's stderr while it runs (read here for {@link stderrTail}). Its presence, with
   * `pid`, is how the SDK recognizes a stdio-shaped transport.
   */
  get stderr(): Readable | null {
    return this.#child?.stderr ?? null;
  }

  /** The last lines the peer wrote to stderr, for error messages. */
  stderrTail(): string {
    return this.#tail;
  }

  start(): Promise<void> {
    if (this.#child) throw new Error('ProcessTreeTransport already started.');
    const { command, args = [], env, cwd } = this.#options;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        env: { ...getDefaultEnvironment(), ...env },
        ...(cwd === undefined ? {} : { cwd }),
        // Piped so a chatty peer cannot write into our stdout protocol stream.
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      this.#child = child;
      child.on('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once('spawn', () => {
        this.#pgid = child.pid;
        if (this.#pgid !== undefined) track(this.#pgid);
        resolve();
      });
      // Every process holding our pipes is gone (or close() let go of them).
      child.once('close', () => this.#ended());
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => {
        let lines: string[];
        try {
          lines = this.#lines.push(chunk);
        } catch (error) {
          this.onerror?.(error as Error);
          void this.close();
          return;
        }
        for (const line of lines) this.#read(line);
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        this.#tail = (this.#tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
      });
    });
  }

  /**
   * One line from the peer: a JSON-RPC message goes on; a line that is not JSON (a peer's stray
   * log line) is skipped, as the SDK's transport skips it; JSON that is not JSON-RPC is an error.
   */
  #read(line: string): void {
    const read = parseLine(line, 'the peer');
    if (read instanceof Error) this.onerror?.(read);
    else if (read) this.onmessage?.(read);
  }

  /**
   * Writes the message at once (the pipe's stream keeps the order) and resolves when it is
   * written, or, when the pipe is full, once it drains: every send waiting then shares one
   * `drain` listener (many concurrent calls cannot pile listeners on stdin).
   */
  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || this.#closing) return Promise.reject(new Error('Not connected'));
    if (stdin.write(`${JSON.stringify(message)}\n`)) return Promise.resolve();
    this.#drained ??= new Promise<void>((resolve) => {
      stdin.once('drain', () => {
        this.#drained = undefined;
        resolve();
      });
    });
    return this.#drained;
  }

  #ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pgid !== undefined && !signalGroup(this.#pgid, 0)) running.delete(this.#pgid);
    this.#lines.clear();
    this.onclose?.();
  }

  /**
   * Ends the peer: closes its stdin, then signals its process group (SIGTERM, then SIGKILL) as
   * long as any process of it is left, and resolves once the group is gone (or after
   * {@link KILL_WAIT_MS} past the SIGKILL). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#end();
    return this.#closing;
  }

  async #end(): Promise<void> {
    const child = this.#child;
    const pgid = this.#pgid;
    if (child && pgid !== undefined) {
      try {
        child.stdin?.end();
      } catch {
        // Already closed.
      }
      if (!(await this.#gone(pgid, STDIN_WAIT_MS))) {
        signalGroup(pgid, 'SIGTERM');
        if (!(await this.#gone(pgid, TERM_WAIT_MS))) {
          signalGroup(pgid, 'SIGKILL');
          await this.#gone(pgid, KILL_WAIT_MS);
        }
      }
    }
    this.#release();
  }

  /** True once no process of the group is left, checked until `ms` have passed. */
  async #gone(pgid: number, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (groupRuns(pgid)) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      // Ref'd: close() is awaited work (shutdown waits for it); each wait is short.
      await new Promise((resolve) => setTimeout(resolve, Math.min(GONE_CHECK_MS, left)));
    }
    return true;
  }

  /**
   * Ends the peer's process group at once (SIGKILL) and lets go of its pipes, for a peer that
   * outlived close(): nothing of it keeps this process alive afterwards.
   */
  kill(): void {
    if (this.#pgid !== undefined) signalGroup(this.#pgid, 'SIGKILL');
    this.#release();
  }

  /** Lets go of the pipes and the child handle, whoever still holds the other ends. */
  #release(): void {
    const child = this.#child;
    if (this.#pgid !== undefined) running.delete(this.#pgid);
    if (!child) {
      this.#ended();
      return;
    }
    child.stdin?.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.unref();
    // 'close' follows once the process has exited; a process that left the group may hold the
    // pipes' other ends for good, so the transport counts as closed now.
    this.#ended();
  }
}

// Many x-server processes on one Redis: start them, a redis-server of a test's own, free ports.
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import type { XServerConfigInput } from '../src/config/index.js';
import { closeAfterTest, connectHttp, NODE_ARGS, ok, workdir } from './helpers.js';

/** Resolves when the child is gone (at once if it already is). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Stops a child with `signal` and waits for it to exit. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const gone = exited(child);
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await gone;
}

function listening(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`x-server exited ${code}: ${stderr}`)));
  });
}

export interface Instance {
  client: Client;
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** `server_stats` of this instance. */
  stats(): Promise<
    Record<string, unknown> & {
      cluster: ClusterStats;
      instance: string;
      cache: { pendingWrites: number };
    }
  >;
  dispatch<T = Record<string, unknown>>(args: Record<string, unknown>): Promise<T>;
}

export interface ClusterStats {
  shared: boolean;
  connected: boolean;
  errors: number;
  runs: { ran: number; shared: number; fallbacks: number; takeovers: number; waiting: number };
  events: { published: number; received: number; unshared: number };
}

/**
 * An x-server process (stateless HTTP on a port the OS picks) with this config, and a 2.x client
 * connected to it; both stopped when the test ends.
 */
export async function startInstance(config: XServerConfigInput): Promise<Instance> {
  const dir = await workdir();
  const file = join(dir, 'x-server.json');
  await writeFile(
    file,
    JSON.stringify({
      ...config,
      http: { port: 0, stateless: true, ...config.http },
      fs: { root: join(dir, 'files') },
      cache: { dir: join(dir, 'cache'), ...config.cache },
      telemetry: { enabled: false },
    }),
  );
  const child = spawn(process.execPath, [...NODE_ARGS, '--http', '--config', file], {
    cwd: dir,
    env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), XDG_STATE_HOME: join(dir, 'state') },
  });
  closeAfterTest(() => stop(child));
  const url = await listening(child);
  const client = await connectHttp(url);
  return {
    client,
    url,
    child,
    stats: async () =>
      ok<{ stats: never }>(await client.callTool({ name: 'server_stats', arguments: {} })).stats,
    dispatch: async (args) => ok(await client.callTool({ name: 'dispatch', arguments: args })),
  };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A `redis-server` of the test's own on `port` (no persistence); resolves once it accepts. */
export function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  closeAfterTest(() => stop(child, 'SIGKILL'));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
}

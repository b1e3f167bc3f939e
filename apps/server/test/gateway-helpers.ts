import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  Client,
  InMemoryTransport,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { BreakerGuard, createBackends } from '../src/backends/index.js';
import type { XServerConfigInput } from '../src/config/index.js';
import { XServer, type XServerOptions } from '../src/server.js';
// @ts-expect-error: a plain ESM fixture, also run as a script (no types).
import { modernPeer } from './fixtures/modern-peer.mjs';
import { closeAfterTest, testConfig, workdir } from './helpers.js';

const modules = join(import.meta.dirname, '..', 'node_modules', '@modelcontextprotocol');

/** The bins of the reference MCP servers (dev dependencies), run with this Node, no npx. */
export const EVERYTHING_BIN = join(modules, 'server-everything', 'dist', 'index.js');
export const MEMORY_BIN = join(modules, 'server-memory', 'dist', 'index.js');

/**
 * The 2026-07-28-only fixture peer (fixtures/modern-peer.mjs) over Streamable HTTP on
 * 127.0.0.1, rejecting 2025-era requests; closed when the current test finishes.
 */
export async function modernHttpPeer(hooks: { cancelled?: () => void } = {}): Promise<string> {
  const handler = createMcpHandler(() => modernPeer(hooks), { legacy: 'reject' });
  const server: Server = createServer(toNodeHandler(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeAfterTest(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await handler.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

/** A stand-in for `npx` or `sh -c`: runs `node <args>` as its child (see the fixture). */
export const PEER_WRAPPER = join(import.meta.dirname, 'fixtures', 'peer-wrapper.mjs');

/** Pids of the processes whose command line holds `marker`. */
export function processesWith(marker: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'))
    .map((line) => Number.parseInt(line, 10));
}

/** Ends (SIGKILL) the processes whose command line holds `marker`: a failed test's leftovers. */
export function killProcessesWith(marker: string): void {
  for (const pid of processesWith(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** True while the process runs; one that exited and waits to be reaped (a zombie) does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (not Linux): the signal check is all there is.
    return process.platform !== 'linux';
  }
}

export interface Gateway {
  app: XServer;
  client: Client;
  guard: BreakerGuard;
  dir: string;
  call(name: string, args?: Record<string, unknown>): ReturnType<Client['callTool']>;
  close(): Promise<void>;
}

/**
 * An x-server in this process with the given config, and the SDK's own Client (2.x, negotiating
 * the era: `auto` by default) connected to it over an in-memory transport (the peers it fronts
 * are real: child processes, HTTP servers or SDK servers in memory).
 */
export async function startGateway(
  input: XServerConfigInput,
  options: Partial<Pick<XServerOptions, 'peerTransport' | 'workflowClock' | 'monotonic'>> = {},
  mode: VersionNegotiationMode = 'auto',
): Promise<Gateway> {
  const dir = await workdir();
  const config = await testConfig(dir, { cache: { disk: false }, ...input });
  const backends = await createBackends(config);
  const guard = new BreakerGuard({
    failureThreshold: config.breaker.failureThreshold,
    recoveryTimeoutMs: config.breaker.recoveryTimeoutMs,
  });
  backends.guard = guard;
  const app = new XServer({ config, backends, ...options });
  const server = app.createMcpServer();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client(
    { name: 'gateway-test', version: '1.0.0' },
    { versionNegotiation: { mode } },
  );
  await client.connect(clientSide);
  return {
    app,
    client,
    guard,
    dir,
    call: (name, args = {}) => client.callTool({ name, arguments: args }),
    async close() {
      await client.close();
      await server.close();
      await app.close();
    },
  };
}

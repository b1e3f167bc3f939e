import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { defineSuite, type Workload } from '../types.js';
import { Closers, ERA_CLIENT, ERAS, type Era, stdioClient, X_SERVER_CLI } from './_processes.js';

// server-everything is a dev dependency of @x/server; its bin runs with this Node.
const EVERYTHING = join(
  dirname(fileURLToPath(import.meta.resolve('@x/server'))),
  '..',
  'node_modules',
  '@modelcontextprotocol',
  'server-everything',
  'dist',
  'index.js',
);

const CACHED = 'x-server (cached read)';
const UNCACHED = 'x-server (resourceCacheTtlMs: 0)';
const DIRECT = 'SDK Client direct';

const closers = new Closers();

/** x-server's CLI in a child process over stdio, fronting server-everything (its own child). */
async function gatewayProcess(dir: string, era: Era, resourceCacheTtlMs: number): Promise<Client> {
  const config = join(dir, `x-server-${resourceCacheTtlMs}.json`);
  await writeFile(
    config,
    JSON.stringify({
      builtins: [],
      cache: { dir: join(dir, 'cache') },
      telemetry: { dir: join(dir, 'telemetry') },
      shutdownGraceMs: 2_000,
      peers: {
        everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], resourceCacheTtlMs },
      },
    }),
  );
  const gateway = await stdioClient(era, {
    command: process.execPath,
    args: [X_SERVER_CLI, '--stdio', '--config', config],
    cwd: dir,
  });
  closers.push(() => gateway.close());
  return gateway.client;
}

async function workloads(): Promise<Workload[]> {
  const dir = await mkdtemp(join(tmpdir(), 'x-gateway-resources-bench-'));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  // server-everything speaks the 2025 era only: the direct client is a 2025-11-25 one.
  const direct = await stdioClient(
    '2025-11-25',
    { command: process.execPath, args: [EVERYTHING, 'stdio'] },
    'bench-direct',
  );
  closers.push(() => direct.close());
  const [resource] = (await direct.client.listResources()).resources;
  if (!resource) throw new Error('server-everything listed no resources');
  const read = { uri: resource.uri };
  // `bypass`: the SDK client's own response cache must not answer in place of the server.
  const readOn = (client: Client) => async () => {
    const answer = await client.readResource(read, { cacheMode: 'bypass' });
    if (answer.contents.length === 0) throw new Error('empty resources/read answer');
  };
  const list: Workload[] = [];
  for (const era of ERAS) {
    const cached = await gatewayProcess(dir, era, 60_000);
    const uncached = await gatewayProcess(dir, era, 0);
    // The first read lists the peer's resources (to route the URI) and fills the cache.
    await readOn(cached)();
    await readOn(uncached)();
    list.push({
      name: `resources/read of ${read.uri}, separate processes (client → x-server → server-everything), client ${ERA_CLIENT[era]}`,
      ours: CACHED,
      latency: true,
      goal: 'at least 2x x-server (resourceCacheTtlMs: 0)',
      contenders: [
        { name: CACHED, run: readOn(cached) },
        { name: UNCACHED, run: readOn(uncached) },
        { name: DIRECT, run: readOn(direct.client) },
      ],
    });
  }
  return list;
}

export default defineSuite({
  package: 'gateway-resources',
  description:
    "x-server serving a peer's resources at the protocol level: resources/read of a server-everything resource through x-server's CLI (a child process, over stdio) with its read cache (peers.<name>.resourceCacheTtlMs, 60 s) and without it (0), against the SDK 2 Client reading the same resource from server-everything directly (its own child) on a reused connection. The clients' own response caches are bypassed.",
  workloads: async () => {
    try {
      return await workloads();
    } catch (error) {
      await closers.closeAll();
      throw error;
    }
  },
  teardown: () => closers.closeAll(),
});

#!/usr/bin/env node
/**
 * Two (or more) builds of x-server side by side on the gateway hop: each build's CLI fronts its
 * own copy of the same stdio or HTTP peer; one client here calls every build (by `dispatch` and
 * by the direct-exposed name) and the peer directly, interleaved in rounds, so a loaded machine
 * weighs on every contender alike. Prints p50, mean calls/s, ratio to direct, and each x-server's
 * CPU time per call (from /proc, over its own rounds).
 *
 *   node benchmarks/scripts/gateway-hop-ab.mjs --cli base=/path/to/dist/cli.js --cli new=apps/server/dist/cli.js
 *       [--peer everything|bare|modern|http] [--era 2025-11-25|2026-07-28] [--calls 3000] [--round 100]
 *
 * Copy a build's dist elsewhere under apps/server (e.g. apps/server/.hop/base/dist) so its
 * imports still resolve.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const here = dirname(fileURLToPath(import.meta.url));
const BARE = join(here, '../src/suites/_bare-server.mjs');
const EVERYTHING = join(
  here,
  '../../apps/server/node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const args = (name) =>
  process.argv.flatMap((a, i) => (a === `--${name}` ? [process.argv[i + 1]] : []));
const CALLS = Number(arg('calls', 3000));
const ROUND = Number(arg('round', 100));
const WARMUP = Number(arg('warmup', 500));
const CLIS = args('cli').map((spec) => {
  const [name, path] = spec.split('=');
  return { name, path: resolve(path) };
});
if (CLIS.length === 0) CLIS.push({ name: 'x', path: join(here, '../../apps/server/dist/cli.js') });

const PEERS = {
  everything: {
    era: '2025-11-25',
    args: [EVERYTHING, 'stdio'],
    tool: 'echo',
    params: { message: 'hello' },
  },
  bare: { era: '2025-11-25', args: [BARE, '--stdio'], tool: 'echo', params: { value: 42 } },
  modern: {
    era: '2026-07-28',
    args: [BARE, '--stdio', '--modern-only'],
    tool: 'echo',
    params: { value: 42 },
  },
  http: {
    era: '2026-07-28',
    http: true,
    args: [BARE, '--http', '--modern-only'],
    tool: 'echo',
    params: { value: 42 },
  },
};
const PEER = arg('peer', 'everything');
const peer = PEERS[PEER];
if (!peer) throw new Error(`--peer: one of ${Object.keys(PEERS).join(', ')}`);
const ERA = arg('era', peer.era);

const clientFor = (era) =>
  new Client(
    { name: 'hop', version: '1.0.0' },
    era === '2026-07-28' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );

const children = [];
function httpPeer() {
  const child = spawn(process.execPath, peer.args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
  });
}

const cpuOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1e4; // clock ticks (1/100 s) → µs
};

const dir = mkdtempSync(join(tmpdir(), 'x-hop-ab-'));
const url = peer.http ? await httpPeer() : undefined;
const direct = clientFor(peer.era === '2026-07-28' ? '2026-07-28' : ERA);
await direct.connect(
  url
    ? new StreamableHTTPClientTransport(new URL(url))
    : new StdioClientTransport({ command: process.execPath, args: peer.args, stderr: 'ignore' }),
);
const contenders = [];
const servers = [];
for (const cli of CLIS) {
  const config = join(dir, `${cli.name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      builtins: [],
      cache: { dir: join(dir, `cache-${cli.name}`) },
      telemetry: { dir: join(dir, `telemetry-${cli.name}`) },
      peers: {
        p: {
          ...(url ? { url } : { command: process.execPath, args: peer.args }),
          cache: false,
          expose: 'both',
        },
      },
    }),
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli.path, '--stdio', '--config', config],
    cwd: dir,
    stderr: 'ignore',
  });
  const client = clientFor(ERA);
  await client.connect(transport);
  servers.push(client);
  const pid = transport.pid;
  contenders.push(
    {
      name: `${cli.name} dispatch`,
      pid,
      run: () =>
        client.callTool({
          name: 'dispatch',
          arguments: { category: 'p', tool: peer.tool, params: peer.params },
        }),
    },
    {
      name: `${cli.name} exposed`,
      pid,
      run: () => client.callTool({ name: `p__${peer.tool}`, arguments: peer.params }),
    },
  );
}
contenders.push({
  name: 'direct',
  run: () => direct.callTool({ name: peer.tool, arguments: peer.params }),
});

for (const c of contenders) {
  c.times = [];
  c.cpu = 0;
  for (let i = 0; i < WARMUP; i++) {
    const answer = await c.run();
    if (answer.isError) throw new Error(`${c.name}: ${JSON.stringify(answer.content)}`);
  }
}
for (let done = 0; done < CALLS; done += ROUND) {
  for (const c of contenders) {
    const before = c.pid ? cpuOf(c.pid) : 0;
    for (let i = 0; i < ROUND; i++) {
      const t = performance.now();
      await c.run();
      c.times.push(performance.now() - t);
    }
    if (c.pid) c.cpu += cpuOf(c.pid) - before;
  }
}
const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const directMean = mean(contenders.at(-1).times);
console.log(
  `peer ${PEER} (${peer.http ? 'Streamable HTTP' : 'stdio'}, peer era ${peer.era}), client era ${ERA}, ${CALLS} sequential calls each, rounds of ${ROUND}`,
);
for (const c of contenders) {
  console.log(
    `  ${c.name.padEnd(18)} p50 ${(p50(c.times) * 1000).toFixed(0).padStart(5)} µs  ${(1000 / mean(c.times)).toFixed(0).padStart(5)} calls/s  ${(mean(c.times) / directMean).toFixed(2)}× direct${c.pid ? `  x-server CPU ${(c.cpu / c.times.length).toFixed(0)} µs/call` : ''}`,
  );
}
for (const client of servers) await client.close();
await direct.close();
for (const child of children) child.kill();
rmSync(dir, { recursive: true, force: true });

#!/usr/bin/env node
/**
 * The gateway hop, sequential and uncached, everything in separate processes: one SDK 2 client
 * here calls a peer's tool through x-server's CLI (by `dispatch` and by the tool's direct-exposed
 * name, `expose: 'both'`) and the same peer directly (a child of its own), interleaved in rounds
 * so a loaded machine weighs on every contender alike. Prints p50/p90/p99 latency, calls/s and the
 * CPU time per call of each process (every thread's, from schedstat).
 *
 *   node benchmarks/scripts/gateway-hop.mjs [--peer everything|bare|modern|http] [--era 2025-11-25|2026-07-28]
 *       [--calls 3000] [--round 100] [--warmup 300] [--prof <dir>] [--floor] [--only a,b]
 *       [--cli name=path/to/dist/cli.js]...
 *
 * `--cli name=path` (repeatable) puts builds side by side, each fronting its own copy of the peer
 * (an A/B: a `git worktree` of main, built, is the old one); default: this checkout's build, or
 * `X_CLI`.
 *
 * Peers: server-everything's echo (2025-era, stdio), the bare SDK 2 server's echo over stdio
 * (`bare`: serves both eras; `modern`: 2026-07-28 only) or over Streamable HTTP (`http`, 2026 only).
 * `--era` is the era of the client to x-server (and of the direct client, where the peer allows).
 * `--prof <dir>` runs x-server under `node --cpu-prof` (profiles land in <dir>).
 * `--floor` (stdio peers) adds `relay`: the exposed call through a line relay (the gateway suite's
 * _relay.mjs: parse, re-id, rename, serialize, nothing else), what any extra process costs here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const here = dirname(fileURLToPath(import.meta.url));
const BARE = join(here, '../src/suites/_bare-server.mjs');
const RELAY = join(here, '../src/suites/_relay.mjs');
const CLI = process.env.X_CLI ?? join(here, '../../apps/server/dist/cli.js');
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
const PEER = arg('peer', 'everything');
const CALLS = Number(arg('calls', 3000));
const ROUND = Number(arg('round', 100));
const WARMUP = Number(arg('warmup', 300));
const PROF = arg('prof', undefined);

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
const peer = PEERS[PEER];
if (!peer) throw new Error(`--peer: one of ${Object.keys(PEERS).join(', ')}`);
const ERA = arg('era', peer.era);

const clientFor = (era) =>
  new Client(
    { name: 'hop', version: '1.0.0' },
    era === '2026-07-28' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );

const children = [];
async function httpPeer() {
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

const dir = mkdtempSync(join(tmpdir(), 'x-hop-'));
const url = peer.http ? await httpPeer() : undefined;
/** The config of one x-server build: the peer, uncached, exposed both ways; its own dirs. */
function configFor(name) {
  const config = join(dir, `x${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      builtins: [],
      cache: { dir: join(dir, `cache${name}`) },
      telemetry: { dir: join(dir, `telemetry${name}`) },
      // Under valgrind the peer's first connect takes long.
      ...(process.argv.includes('--callgrind') ? { gateway: { connectTimeoutMs: 300_000 } } : {}),
      peers: {
        p: {
          ...(url ? { url } : { command: process.execPath, args: peer.args }),
          cache: false,
          expose: 'both',
        },
      },
    }),
  );
  return config;
}

const direct = clientFor(peer.era === '2026-07-28' ? '2026-07-28' : ERA);
await direct.connect(
  url
    ? new StreamableHTTPClientTransport(new URL(url))
    : new StdioClientTransport({ command: process.execPath, args: peer.args, stderr: 'ignore' }),
);
// `--callgrind`: x-server runs under valgrind's callgrind; its instructions per call are counted
// after the warm-up (counters zeroed, then dumped), for each contender in turn.
const CALLGRIND = process.argv.includes('--callgrind');
const CLIS = args('cli').map((spec) => {
  const [name, path] = spec.split('=');
  return { name, path: resolve(path) };
});
if (CLIS.length === 0) CLIS.push({ name: '', path: CLI });
if (CLIS.length > 1 && (CALLGRIND || arg('trace', undefined))) {
  throw new Error('--callgrind and --trace measure one x-server: give one --cli');
}
const servers = [];
for (const cli of CLIS) {
  const nodeArgs = [
    ...(arg('node-flags', '') || '').split(' ').filter(Boolean),
    ...(PROF ? ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', PROF] : []),
    cli.path,
    '--stdio',
    '--config',
    configFor(cli.name),
  ];
  const transport = new StdioClientTransport({
    command: CALLGRIND ? 'valgrind' : process.execPath,
    args: CALLGRIND
      ? [
          '--tool=callgrind',
          `--callgrind-out-file=${join(dir, 'cg.%p')}`,
          '--dump-instr=no',
          process.execPath,
          ...nodeArgs,
        ]
      : nodeArgs,
    cwd: dir,
    stderr: 'inherit',
  });
  const client = clientFor(ERA);
  await client.connect(transport, { timeout: 600_000 });
  servers.push({ name: cli.name, client, pid: transport.pid });
}

// Generous: under valgrind a first call (x-server loading the peer's tools) takes a while.
const slow = { timeout: 600_000 };
// The floor: the same exposed call through a process that only relays lines.
const relayTransport =
  process.argv.includes('--floor') && !peer.http
    ? new StdioClientTransport({
        command: process.execPath,
        args: [RELAY, '--prefix', 'p__', '--', process.execPath, ...peer.args],
        stderr: 'ignore',
      })
    : undefined;
const relay = relayTransport ? clientFor(ERA) : undefined;
if (relay) await relay.connect(relayTransport);
/** Each contender: the call it makes, and the process it goes through (its CPU is read). */
const contenders = {};
for (const { name, client, pid } of servers) {
  const prefix = name ? `${name} ` : '';
  contenders[`${prefix}dispatch`] = {
    pid,
    run: () =>
      client.callTool(
        { name: 'dispatch', arguments: { category: 'p', tool: peer.tool, params: peer.params } },
        slow,
      ),
  };
  contenders[`${prefix}exposed`] = {
    pid,
    run: () => client.callTool({ name: `p__${peer.tool}`, arguments: peer.params }, slow),
  };
}
if (relay) {
  contenders.relay = {
    pid: relayTransport.pid,
    run: () => relay.callTool({ name: `p__${peer.tool}`, arguments: peer.params }),
  };
}
contenders.direct = { run: () => direct.callTool({ name: peer.tool, arguments: peer.params }) };
const ONLY = arg('only', undefined);
if (ONLY)
  for (const name of Object.keys(contenders))
    if (!ONLY.split(',').includes(name)) delete contenders[name];
const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
const xPid = servers[0].pid;
// CPU time (µs) of a process, every thread's time on a CPU from its schedstat (ns precision;
// /proc/<pid>/stat's user and system ticks are sampled and mislead for processes that run in
// short bursts); 0 elsewhere.
const cpuOf = (pid) => {
  let ns = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that just ended
      }
    }
  } catch {
    return 0;
  }
  return ns / 1000;
};
const childrenOf = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
};
for (const [name, { run }] of Object.entries(contenders)) {
  for (let i = 0; i < WARMUP; i++) {
    const answer = await run();
    if (answer.isError) throw new Error(`${name}: ${JSON.stringify(answer.content)}`);
  }
}
// The processes each contender's CPU is read from: this client, the hop (an x-server or the
// relay) and the peer behind it (started by the first call, so looked for after the warm-up).
for (const c of Object.values(contenders)) {
  c.processes = {
    client: null,
    ...(c.pid ? { hop: c.pid } : {}),
    ...(c.pid && childrenOf(c.pid).length ? { peer: childrenOf(c.pid)[0] } : {}),
  };
  c.cpu = Object.fromEntries(Object.keys(c.processes).map((p) => [p, 0]));
}
const sample = (processes) =>
  Object.fromEntries(
    Object.entries(processes).map(([name, pid]) => [
      name,
      pid === null ? process.cpuUsage().user + process.cpuUsage().system : cpuOf(pid),
    ]),
  );
// `--trace <cmd...>`: a tracer attached to x-server (its pid appended) while the calls are timed.
const TRACE = arg('trace', undefined);
const tracer = TRACE
  ? spawn(TRACE.split(' ')[0], [...TRACE.split(' ').slice(1), String(xPid)], { stdio: 'inherit' })
  : undefined;
if (tracer) await new Promise((resolve) => setTimeout(resolve, 1000));
if (CALLGRIND) {
  const { execFileSync } = await import('node:child_process');
  // Each contender twice, in turn: the first pass may still pay for the JIT's work.
  const passes = Number(arg('passes', 2));
  for (const [pass, [name, { run }]] of Array.from({ length: passes }, () =>
    Object.entries(contenders),
  )
    .flat()
    .entries()) {
    if (name === 'direct' || name === 'relay') continue;
    execFileSync('callgrind_control', ['-z', String(xPid)], { stdio: 'ignore' });
    for (let i = 0; i < CALLS; i++) await run();
    execFileSync('callgrind_control', ['-d', `measured-${name}`, String(xPid)], {
      stdio: 'ignore',
    });
    const file = readdirSync(dir)
      .map((f) => join(dir, f))
      .find((f) => f.includes('cg.') && readFileSync(f, 'utf8').includes(`measured-${name}`));
    const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(file, 'utf8'));
    console.log(
      `${name} (pass ${Math.floor(pass / Object.keys(contenders).length) + 1}): ${Math.round(Number(summary[1]) / CALLS / 1000)}k instructions per call in x-server (${CALLS} calls)`,
    );
    rmSync(file);
  }
  for (const { client } of servers) await client.close();
  await direct.close();
  await relay?.close();
  for (const child of children) child.kill();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
for (let done = 0; done < CALLS; done += ROUND) {
  for (const [name, c] of Object.entries(contenders)) {
    const before = sample(c.processes);
    for (let i = 0; i < ROUND; i++) {
      const t = performance.now();
      await c.run();
      times[name].push(performance.now() - t);
    }
    const after = sample(c.processes);
    for (const p of Object.keys(c.processes)) c.cpu[p] += after[p] - before[p];
  }
}
if (tracer) {
  tracer.kill('SIGINT');
  await new Promise((resolve) => tracer.once('exit', resolve));
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const directMean = times.direct ? mean(times.direct) : Number.NaN;
console.log(
  `peer ${PEER} (${peer.http ? 'Streamable HTTP' : 'stdio'}, peer era ${peer.era}), client era ${ERA}, ${CALLS} calls each`,
);
for (const [name, xs] of Object.entries(times)) {
  console.log(
    `  ${name.padEnd(14)} p50 ${(pct(xs, 0.5) * 1000).toFixed(0).padStart(5)} µs  p90 ${(pct(xs, 0.9) * 1000).toFixed(0).padStart(5)} µs  p99 ${(pct(xs, 0.99) * 1000).toFixed(0).padStart(5)} µs  ${(1000 / mean(xs)).toFixed(0).padStart(5)} calls/s  ${(mean(xs) / directMean).toFixed(2)}× direct;  CPU µs/call: ${Object.entries(
      contenders[name].cpu,
    )
      .map(([p, us]) => `${p} ${(us / CALLS).toFixed(0)}`)
      .join(', ')}`,
  );
}
for (const { client } of servers) await client.close();
await direct.close();
await relay?.close();
for (const child of children) child.kill();
rmSync(dir, { recursive: true, force: true });

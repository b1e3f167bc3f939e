#!/usr/bin/env node
/**
 * CPU time per call of the server process (every thread's time on a CPU, read from each task's
 * schedstat in /proc), the client (an SDK 2 client in this process) and each server in its own
 * process, rounds interleaved: the per-call cost of a server as users deploy it, which a loaded
 * machine's scheduling delays do not inflate (a wait costs no CPU). For an A/B of x-server
 * builds, pass each build's CLI (e.g. a git worktree of main, built).
 *
 *   node benchmarks/scripts/cpu-per-call.mjs [--calls 3000] [--rounds 5] [--eras 2025-11-25,2026-07-28]
 *     [--transport stdio|http] [--cli <x-server dist/cli.js>]...
 *
 * Over HTTP (`--transport http`) each server listens on 127.0.0.1 on a port it picks; the client
 * is the SDK 2 client's Streamable HTTP transport.
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
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
};
const CALLS = Number(arg('calls', 3000));
const ROUNDS = Number(arg('rounds', 5));
const ERAS = arg('eras', '2025-11-25,2026-07-28').split(',');
const HTTP = arg('transport', 'stdio') === 'http';
const clis = argv.flatMap((a, i) => (a === '--cli' ? [resolve(argv[i + 1])] : []));
if (clis.length === 0) clis.push(join(here, '../../apps/server/dist/cli.js'));

const dir = mkdtempSync(join(tmpdir(), 'x-cpu-'));
const config = join(dir, 'x-server.json');
writeFileSync(
  config,
  JSON.stringify({
    fs: { root: dir },
    cache: { dir: join(dir, 'cache') },
    telemetry: { dir: join(dir, 'telemetry') },
  }),
);

/** CPU time the process has had, all its threads, in ms (ns precision, from schedstat). */
function cpuMs(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that just ended
    }
  }
  return ns / 1e6;
}

/** Spawns an HTTP server and resolves with its pid and the URL it prints after "listening on". */
function listening(args) {
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no URL from ${args.join(' ')}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, pid: child.pid });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}): ${output.slice(-500)}`));
    });
  });
}
const children = [];

async function open(era, args) {
  const client = new Client(
    { name: 'cpu', version: '1.0.0' },
    era === '2026-07-28' ? { versionNegotiation: { mode: { pin: era } } } : {},
  );
  if (HTTP) {
    const { url, pid } = await listening(args);
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return { client, pid };
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    cwd: dir,
    stderr: 'ignore',
  });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

const uncached = {
  name: 'dispatch',
  arguments: { category: 'demo', tool: 'flaky', params: { failureRate: 0 } },
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  for (const era of ERAS) {
    const targets = [
      {
        name: 'bare SDK 2 echo',
        args: [BARE, HTTP ? '--http' : '--stdio'],
        call: { name: 'echo', arguments: { value: 42 } },
      },
    ];
    for (const [i, cli] of clis.entries()) {
      const label = clis.length > 1 ? ` #${i}` : '';
      targets.push({
        name: `x-server${label} uncached dispatch`,
        args: HTTP
          ? [cli, '--http', '--port', '0', '--config', config]
          : [cli, '--stdio', '--config', config],
        call: uncached,
      });
    }
    const opened = await Promise.all(
      targets.map(async (target) => ({ ...target, ...(await open(era, target.args)) })),
    );
    // Warm-up: the JIT compiles the path during the first thousands of calls.
    for (const t of opened) for (let i = 0; i < 2000; i++) await t.client.callTool(t.call);
    const samples = new Map(opened.map((t) => [t, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of opened) {
        const before = cpuMs(t.pid);
        for (let i = 0; i < CALLS; i++) await t.client.callTool(t.call);
        samples.get(t).push(((cpuMs(t.pid) - before) * 1000) / CALLS);
      }
    }
    // Each round's ratio to the bare server's figure of the same round: the machine's drift
    // between rounds cancels out.
    const bareValues = samples.get(opened[0]);
    for (const t of opened) {
      const values = samples.get(t);
      const ratios = values.map((value, round) => value / bareValues[round]);
      const ratio =
        t === opened[0] ? '' : `  ${median(ratios).toFixed(2)}× bare (median of rounds)`;
      console.log(
        `${era} ${t.name.padEnd(30)} median ${median(values).toFixed(1)} µs CPU/call${ratio}  [${values.map((v) => v.toFixed(0)).join(' ')}]`,
      );
      await t.client.close();
    }
  }
} finally {
  for (const child of children) child.kill();
  rmSync(dir, { recursive: true, force: true });
}

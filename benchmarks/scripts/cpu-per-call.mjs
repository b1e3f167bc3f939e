#!/usr/bin/env node
/**
 * CPU time per call of the server process (every thread's time on a CPU, read from each task's schedstat in /proc), the
 * client (an SDK 2 client in this process) and each server in its own process, rounds
 * interleaved: the per-call cost of a server, as users deploy it, that a loaded machine's
 * scheduling delays do not inflate (a wait costs no CPU).
 *
 *   node benchmarks/scripts/cpu-per-call.mjs [--calls 3000] [--rounds 5] [--cli <x-server cli.js>]...
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
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
const clis = argv.flatMap((a, i) => (a === '--cli' ? [argv[i + 1]] : []));
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

async function open(era, args) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    cwd: dir,
    stderr: 'ignore',
  });
  const client = new Client(
    { name: 'cpu', version: '1.0.0' },
    era === '2026-07-28' ? { versionNegotiation: { mode: { pin: era } } } : {},
  );
  await client.connect(transport);
  return { client, pid: transport.pid };
}

const uncached = {
  name: 'dispatch',
  arguments: { category: 'demo', tool: 'flaky', params: { failureRate: 0 } },
};
const results = {};
try {
  for (const era of ERAS) {
    const targets = [
      {
        name: `bare SDK 2 echo`,
        args: [BARE, '--stdio'],
        call: { name: 'echo', arguments: { value: 42 } },
      },
    ];
    for (const [i, cli] of clis.entries()) {
      const label = clis.length > 1 ? ` #${i}` : '';
      targets.push({ name: `x-server${label} uncached dispatch`, args: [cli, '--stdio', '--config', config], call: uncached });
    }
      targets.push({
        name: `x-server${clis.length > 1 ? ` #${i}` : ''} uncached dispatch`,
        args: [cli, '--stdio', '--config', config],
        call: uncached,
      }),
    );
    const open_ = await Promise.all(
      targets.map(async (t) => ({ ...t, ...(await open(era, t.args)) })),
    );
    for (const t of open_) for (let i = 0; i < 2000; i++) await t.client.callTool(t.call); // warm-up
    const samples = Object.fromEntries(open_.map((t) => [t.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of open_) {
        const before = cpuMs(t.pid);
        for (let i = 0; i < CALLS; i++) await t.client.callTool(t.call);
        samples[t.name].push(((cpuMs(t.pid) - before) * 1000) / CALLS);
      }
    }
    for (const t of open_) {
      const sorted = samples[t.name].sort((a, b) => a - b);
      results[`${t.name} (${era})`] = sorted[Math.floor(sorted.length / 2)];
      console.log(
        `${era} ${t.name.padEnd(30)} median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} µs CPU/call  [${sorted.map((x) => x.toFixed(0)).join(' ')}]`,
      );
      await t.client.close();
    }
    const bare = results[`bare SDK 2 echo (${era})`];
    for (const t of open_.slice(1))
      console.log(`${era} ${t.name} / bare: ${(results[`${t.name} (${era})`] / bare).toFixed(2)}×`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

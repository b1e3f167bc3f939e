#!/usr/bin/env node
/**
 * Instructions per call, counted by valgrind's callgrind in the server process only: a figure
 * the shared, noisy machine cannot move (the same binary, inputs and environment give the same
 * count). The client (an SDK 2 client, here) and the server are separate processes, as users
 * deploy; the server runs under `valgrind --tool=callgrind`, is warmed up, its counters zeroed,
 * then N calls are counted.
 *
 *   node benchmarks/scripts/instructions.mjs [--calls 500] [--warmup 1000] [--only <target>] [--cli <x-server cli.js>]
 *
 * Targets: the bare SDK 2 server's echo, x-server's uncached dispatch (demo.flaky, failureRate
 * 0) and cached dispatch (demo.echo), in both protocol eras over stdio.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const here = dirname(fileURLToPath(import.meta.url));
const BARE = join(here, '../src/suites/_bare-server.mjs');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const CALLS = Number(arg('calls', 500));
const WARMUP = Number(arg('warmup', 1000));
const ONLY = arg('only', undefined);
// Keeps the measured callgrind file of each target here (for callgrind_annotate).
const KEEP = arg('keep', undefined);
// Another build of x-server to compare (e.g. a worktree of main): `--cli /path/to/apps/server/dist/cli.js`.
// V8's --predictable: no concurrent compiler or GC threads, no time-driven memory reducer, so
// the same run counts the same instructions (without it, runs of one build vary by ±20%).
const NODE_FLAGS = arg('node-flags', '--predictable').split(' ').filter(Boolean);
const CLI = arg('cli', join(here, '../../apps/server/dist/cli.js'));

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error(
    'instructions: valgrind is not installed (apt-get install valgrind); nothing measured',
  );
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'x-instructions-'));
const config = join(dir, 'x-server.json');
writeFileSync(
  config,
  JSON.stringify({
    fs: { root: dir },
    cache: { dir: join(dir, 'cache') },
    telemetry: { dir: join(dir, 'telemetry') },
    ...JSON.parse(arg('config-json', '{}')),
  }),
);

const targets = [];
for (const era of ['2025-11-25', '2026-07-28']) {
  targets.push(
    {
      name: `bare SDK 2 echo (${era})`,
      era,
      args: [BARE, '--stdio'],
      call: { name: 'echo', arguments: { value: 42 } },
    },
    {
      name: `x-server dispatch, uncached (${era})`,
      era,
      args: [CLI, '--stdio', '--config', config],
      call: {
        name: 'dispatch',
        arguments: { category: 'demo', tool: 'flaky', params: { failureRate: 0 } },
      },
    },
    {
      name: `x-server dispatch, cached (${era})`,
      era,
      args: [CLI, '--stdio', '--config', config],
      call: {
        name: 'dispatch',
        arguments: { category: 'demo', tool: 'echo', params: { value: 42 } },
      },
    },
  );
}

async function measure(target) {
  const out = join(dir, `cg.${Math.random().toString(36).slice(2)}`);
  const transport = new StdioClientTransport({
    command: 'valgrind',
    args: [
      '--tool=callgrind',
      `--callgrind-out-file=${out}.%p`,
      '--dump-instr=no',
      process.execPath,
      ...NODE_FLAGS,
      ...target.args,
    ],
    cwd: dir,
    stderr: 'ignore',
  });
  const client = new Client(
    { name: 'instructions', version: '1.0.0' },
    // Under valgrind a server starts some 50× slower: the discovery probe gets minutes.
    target.era === '2026-07-28'
      ? { versionNegotiation: { mode: { pin: '2026-07-28' }, probe: { timeoutMs: 600_000 } } }
      : {},
  );
  await client.connect(transport, { timeout: 600_000 });
  const pid = transport.pid;
  try {
    for (let i = 0; i < WARMUP; i++) {
      const answer = await client.callTool(target.call, { timeout: 600_000 });
      if (answer.isError) throw new Error(`${target.name}: ${JSON.stringify(answer.content)}`);
    }
    execFileSync('callgrind_control', ['-z', String(pid)], { stdio: 'ignore' });
    for (let i = 0; i < CALLS; i++) await client.callTool(target.call, { timeout: 600_000 });
    execFileSync('callgrind_control', ['-d', 'measured', String(pid)], { stdio: 'ignore' });
  } finally {
    await client.close().catch(() => {});
  }
  const file = readdirSync(dir)
    .filter((f) => f.startsWith(`${out.split('/').pop()}.${pid}.`))
    .map((f) => join(dir, f))
    .find((f) => readFileSync(f, 'utf8').includes('measured'));
  if (KEEP) copyFileSync(file, join(KEEP, `${target.name.replace(/[^\w.-]+/g, '_')}.callgrind`));
  const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(file, 'utf8'));
  return Number(summary[1]) / CALLS;
}

const results = {};
try {
  for (const target of targets) {
    if (ONLY && !target.name.includes(ONLY)) continue;
    results[target.name] = await measure(target);
    console.log(
      `${target.name.padEnd(44)} ${Math.round(results[target.name] / 1000).toLocaleString('en-US')}k instructions per call`,
    );
  }
  for (const era of ['2025-11-25', '2026-07-28']) {
    const bare = results[`bare SDK 2 echo (${era})`];
    const ours = results[`x-server dispatch, uncached (${era})`];
    if (bare && ours)
      console.log(`uncached dispatch / bare (${era}): ${(ours / bare).toFixed(2)}×`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

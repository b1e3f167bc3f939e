#!/usr/bin/env node
// The first hour of a newcomer, as a check: a fresh clone of the committed HEAD, installed with
// the pinned pnpm, the README's Quick start start command, then MCP clients configured exactly as
// the README's "Client configuration" says for a clone (stdio: the command and args of its JSON
// snippets, the placeholder path replaced by the clone's; HTTP: its URL and headers), each
// calling every meta-tool. It also checks what a newcomer would trip over: bin warnings at
// install, anything but the protocol on stdout of `pnpm -s start --stdio`, Ctrl-C on `pnpm start`
// ending with an error, a `.x-server/` folder in the working directory.
// The configuration is read from the README text itself, so README drift fails this check.
// Usage: node apps/server/scripts/first-hour.mjs  (CI runs it from .ci/run; no network needed
// when the pnpm store already holds the lockfile's packages). FIRST_HOUR_REF=<commit> checks an
// older commit instead of HEAD; FIRST_HOUR_TIMEOUT_MS bounds the whole run (20 min).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const TIMEOUT_MS = Number(process.env.FIRST_HOUR_TIMEOUT_MS ?? 20 * 60_000);
const REF = process.env.FIRST_HOUR_REF ?? 'HEAD';
const CLONE_PLACEHOLDER = '/path/to/your/clone';
const PROJECT_PLACEHOLDER = '/path/to/project';
const TOKEN_PLACEHOLDER = '<the token>';
const HI_SHA256 = '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4';

const scratch = mkdtempSync(join(tmpdir(), 'x-first-hour-'));
const clone = join(scratch, 'x');
const project = join(scratch, 'project');
const xdg = {
  XDG_CACHE_HOME: join(scratch, 'xdg-cache'),
  XDG_STATE_HOME: join(scratch, 'xdg-state'),
};
/** Every process group this script started, by leader pid. */
const groups = new Map();
const rootHadXServer = existsSync('/.x-server');
const clients = new Set();

function step(title) {
  console.log(`\n--- ${title}`);
}
function check(label, condition, detail = '') {
  if (!condition) throw new Error(`${label}${detail ? `: ${detail}` : ''}`);
  console.log(`ok - ${label}`);
}

/** The environment of every process: CI-quiet, and the server's default folders in scratch. */
function baseEnv(extra = {}) {
  return {
    ...process.env,
    CI: 'true',
    TURBO_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
    ...xdg,
    ...extra,
  };
}

/**
 * Starts `command` with bash in its own process group (so the whole tree can be signalled and
 * cleaned up), collecting stdout and stderr.
 */
function launch(name, command, { cwd = clone, env = {}, stdin = 'ignore' } = {}) {
  const child = spawn('bash', ['-c', command], {
    cwd,
    env: baseEnv(env),
    detached: true,
    stdio: [stdin, 'pipe', 'pipe'],
  });
  const run = { name, child, stdout: '', stderr: '', output: '' };
  // 'close', not 'exit': it comes once every process of the tree holding our pipes is gone.
  run.exited = new Promise((resolve) => {
    child.once('close', (code, signal) => {
      groups.delete(child.pid);
      resolve({ code, signal });
    });
  });
  child.stdout.on('data', (chunk) => {
    run.stdout += chunk;
    run.output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    run.stderr += chunk;
    run.output += chunk;
  });
  groups.set(child.pid, run);
  return run;
}

/** Resolves with the first match of `pattern` in the run's output; rejects if it exits first. */
function waitFor(run, pattern, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${run.name}: no ${pattern} within ${timeoutMs} ms\n${tail(run.output)}`));
    }, timeoutMs);
    const look = () => {
      const match = pattern.exec(run.output);
      if (!match) return;
      cleanup();
      resolve(match);
    };
    const exit = ({ code, signal }) => {
      cleanup();
      reject(
        new Error(`${run.name} exited (${code ?? signal}) before ${pattern}\n${tail(run.output)}`),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      run.child.stdout.off('data', look);
      run.child.stderr.off('data', look);
    };
    run.child.stdout.on('data', look);
    run.child.stderr.on('data', look);
    run.exited.then(exit);
    look();
  });
}

function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n');
}

/** Runs a command to its end (bounded), failing with its output when it fails. */
async function runToEnd(name, command, timeoutMs, options) {
  const run = launch(name, command, options);
  const timer = setTimeout(() => stopGroup(run, 'SIGKILL'), timeoutMs);
  const { code, signal } = await run.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${name} failed (${code ?? signal})\n${tail(run.output)}`);
  return run;
}

function stopGroup(run, signal) {
  try {
    process.kill(-run.child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to the group, SIGKILL after `graceMs`; resolves with how the leader exited. */
async function stop(run, graceMs = 15_000) {
  stopGroup(run, 'SIGTERM');
  const timer = setTimeout(() => stopGroup(run, 'SIGKILL'), graceMs);
  const result = await run.exited;
  clearTimeout(timer);
  return result;
}

// --- README parsing: the configuration comes from the text, not from this script.

/** The lines of the first fenced block after `## Quick start` (as .ci/run reads them). */
function quickStartCommands(readme) {
  const section = readme.split(/^## Quick start$/m)[1] ?? '';
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/** Every ```json block of the server README's "Client configuration" section, parsed. */
function clientConfigs(readme) {
  const section = /^## Client configuration$([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('apps/server/README.md has no "## Client configuration" section');
  return [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match, index) => {
    try {
      return JSON.parse(match[1]);
    } catch (error) {
      throw new Error(`Client configuration JSON block ${index + 1} is not JSON: ${error.message}`);
    }
  });
}

/** The servers of a client config, whichever key the client uses. */
function serversOf(config) {
  return Object.values(config.mcpServers ?? config.servers ?? {});
}

const substitute = (value) =>
  value.replaceAll(CLONE_PLACEHOLDER, clone).replaceAll(PROJECT_PLACEHOLDER, project);

// --- The calls a newcomer makes: one of each meta-tool.

function structured(label, result) {
  if (result.isError) throw new Error(`${label}: tool error ${JSON.stringify(result.content)}`);
  return result.structuredContent;
}

async function everyMetaTool(transport, client, fsExpect) {
  const call = (name, args = {}) => client.callTool({ name, arguments: args });
  const seen = [];
  const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
  check(`${transport}: tools/list offers the ten meta-tools`, tools.length === 10, tools.join(','));

  const categories = structured('list_categories', await call('list_categories'));
  const names = categories.categories.map((category) => category.name);
  check(
    `${transport}: list_categories`,
    ['text', 'time', 'fs', 'demo'].every((n) => names.includes(n)),
    names.join(','),
  );
  seen.push('list_categories');

  const listed = structured('list_tools', await call('list_tools', { category: 'text' }));
  check(
    `${transport}: list_tools text`,
    listed.tools.some((tool) => tool.name === 'hash'),
  );
  seen.push('list_tools');

  const search = structured('search_tools', await call('search_tools', { query: 'sha256 hash' }));
  check(
    `${transport}: search_tools`,
    search.hits.some((hit) => hit.tool === 'hash'),
    JSON.stringify(search.hits),
  );
  seen.push('search_tools');

  const schema = structured(
    'get_tool_schema',
    await call('get_tool_schema', { category: 'text', tool: 'hash' }),
  );
  check(`${transport}: get_tool_schema`, schema.inputSchema?.properties?.text !== undefined);
  seen.push('get_tool_schema');

  const hashed = structured(
    'dispatch',
    await call('dispatch', { category: 'text', tool: 'hash', params: { text: 'hi' } }),
  );
  check(
    `${transport}: dispatch text.hash`,
    hashed.result?.hex === HI_SHA256,
    JSON.stringify(hashed),
  );
  seen.push('dispatch');

  const parallel = structured(
    'dispatch_parallel',
    await call('dispatch_parallel', {
      calls: [
        { category: 'demo', tool: 'echo', params: { value: transport } },
        { category: 'fs', tool: 'list_dir', params: { path: '.' } },
      ],
    }),
  );
  const listing = JSON.stringify(parallel.results[1]);
  check(`${transport}: dispatch_parallel`, parallel.succeeded === 2, JSON.stringify(parallel));
  check(`${transport}: fs reads ${fsExpect.root}`, listing.includes(fsExpect.file), listing);
  seen.push('dispatch_parallel');

  const workflow = structured(
    'workflow_run',
    await call('workflow_run', {
      steps: [
        { id: 'name', category: 'demo', tool: 'echo', params: { value: 'Grace' } },
        {
          id: 'hash',
          category: 'text',
          tool: 'hash',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference syntax, literally
          params: { text: '${steps.name.output.value}' },
        },
      ],
    }),
  );
  check(
    `${transport}: workflow_run`,
    workflow.status === 'succeeded' && workflow.succeeded === 2,
    JSON.stringify(workflow),
  );
  seen.push('workflow_run');

  const templates = structured('list_workflow_templates', await call('list_workflow_templates'));
  check(`${transport}: list_workflow_templates`, Array.isArray(templates.templates));
  seen.push('list_workflow_templates');

  // No template is configured by default: the answer is the stable refusal, not a crash.
  const describe = await call('describe_workflow_template', { name: 'greet' });
  const text = describe.content?.[0]?.text ?? '';
  check(
    `${transport}: describe_workflow_template`,
    describe.isError === true && text.startsWith('[UNKNOWN_TEMPLATE]'),
    text,
  );
  seen.push('describe_workflow_template');

  const { stats } = structured('server_stats', await call('server_stats'));
  check(
    `${transport}: server_stats`,
    stats.dispatcher.calls >= 4,
    JSON.stringify(stats.dispatcher),
  );
  seen.push('server_stats');

  check(
    `${transport}: every meta-tool called once`,
    seen.sort().join(',') === tools.join(','),
    seen.join(','),
  );
}

async function connect(transport) {
  const client = new Client({ name: 'x-first-hour', version: '1.0.0' });
  clients.add(client);
  await client.connect(transport);
  return client;
}

// --- The hour.

async function firstHour() {
  const commit = execFileSync('git', ['-C', root, 'rev-parse', '--verify', `${REF}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  step(`clone ${root} at ${REF} (${commit.slice(0, 12)})`);
  execFileSync('git', ['clone', '--quiet', '--no-checkout', root, clone], { stdio: 'inherit' });
  execFileSync('git', ['-C', clone, 'checkout', '--quiet', commit], { stdio: 'inherit' });
  mkdirSync(project);
  writeFileSync(join(project, 'notes.txt'), 'a file of the project the client points fs at');
  const pnpmSpec = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')).packageManager;
  const pnpm = `npx -y ${pnpmSpec}`;

  step(`install: ${pnpm} install --frozen-lockfile --prefer-offline`);
  const install = await runToEnd(
    'install',
    `${pnpm} install --frozen-lockfile --prefer-offline`,
    10 * 60_000,
  );
  check(
    'install prints no bin warning',
    !/Failed to create bin/i.test(install.output),
    tail(install.output),
  );

  const rootReadme = readFileSync(join(clone, 'README.md'), 'utf8');
  const serverReadme = readFileSync(join(clone, 'apps', 'server', 'README.md'), 'utf8');
  const startCommand = quickStartCommands(rootReadme)[0];
  if (!startCommand) throw new Error('README.md has no start command in its Quick start block');
  const configs = clientConfigs(serverReadme);
  const stdioServers = configs
    .flatMap(serversOf)
    .filter(
      (server) =>
        server.command && (server.args ?? []).some((arg) => arg.includes(CLONE_PLACEHOLDER)),
    );
  const httpServer = configs.flatMap(serversOf).find((server) => server.type === 'http');
  check('README: a stdio client configuration for a clone', stdioServers.length > 0);
  check('README: an HTTP client configuration', httpServer?.url !== undefined);

  step(`README start command: ${startCommand}`);
  const token = randomBytes(24).toString('hex');
  const http = launch('start', startCommand, {
    env: { X_SERVER_PORT: '0', X_SERVER_TOKEN: token },
  });
  const [, listening] = await waitFor(http, /listening on (http:\/\/\S+)/, 10 * 60_000);
  console.log(`listening on ${listening}`);

  step('stdio clients, configured as the README says');
  for (const [index, server] of stdioServers.entries()) {
    const args = server.args.map(substitute);
    const env = Object.fromEntries(
      Object.entries(server.env ?? {}).map(([k, v]) => [k, substitute(v)]),
    );
    console.log(`$ ${server.command} ${args.join(' ')}  ${JSON.stringify(env)}`);
    const transport = new StdioClientTransport({
      command: server.command,
      args,
      // What a desktop client gives it: a small default environment plus the snippet's, from `/`.
      env: { ...getDefaultEnvironment(), ...env, ...xdg },
      cwd: '/',
      stderr: 'pipe',
    });
    const client = await connect(transport);
    if (index === 0) {
      const fsExpect = env.X_SERVER_FS_ROOT
        ? { root: 'the project', file: 'notes.txt' }
        : { root: '/', file: 'tmp' };
      await everyMetaTool('stdio', client, fsExpect);
      check(
        'stdio: server version',
        /^\d+\.\d+\.\d+/.test(client.getServerVersion()?.version ?? ''),
        client.getServerVersion()?.version,
      );
    } else {
      const categories = structured(
        'list_categories',
        await client.callTool({ name: 'list_categories', arguments: {} }),
      );
      check(`stdio (snippet ${index + 1}): list_categories`, categories.categories.length >= 4);
    }
    await client.close();
    clients.delete(client);
  }

  step('HTTP client, configured as the README says');
  const readmeUrl = new URL(httpServer.url);
  const actual = new URL(listening);
  check(
    'HTTP: the README URL names the served host and path',
    readmeUrl.hostname === actual.hostname && readmeUrl.pathname === actual.pathname,
    `${readmeUrl} vs ${actual}`,
  );
  readmeUrl.port = actual.port; // the start command ran with X_SERVER_PORT=0 (CI may run anything on 3000)
  const headers = Object.fromEntries(
    Object.entries(httpServer.headers ?? {}).map(([k, v]) => [
      k,
      v.replaceAll(TOKEN_PLACEHOLDER, token),
    ]),
  );
  const httpClient = await connect(
    new StreamableHTTPClientTransport(readmeUrl, { requestInit: { headers } }),
  );
  await everyMetaTool('http', httpClient, { root: 'the clone (cwd)', file: 'package.json' });
  await httpClient.close();
  clients.delete(httpClient);

  step('SIGTERM stops the start command cleanly');
  await stop(http);
  check(
    'HTTP server logged a clean stop',
    /\[x-server\] stopped/.test(http.output),
    tail(http.output),
  );

  step('pnpm -s start --stdio: stdout carries the protocol only');
  const silentStdio = /`(npx -y pnpm@[\d.]+ -s start --stdio)`/.exec(rootReadme)?.[1];
  check('README: names the stdio start command', silentStdio !== undefined);
  const stdio = launch('start --stdio', silentStdio, { stdin: 'pipe' });
  stdio.child.stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x-first-hour', version: '1.0.0' } } })}\n`,
  );
  await waitFor(stdio, /"id":1/, 10 * 60_000);
  stdio.child.stdin.end(); // the client goes away: the server shuts down and pnpm ends
  const stdioTimer = setTimeout(() => stopGroup(stdio, 'SIGKILL'), 60_000);
  await stdio.exited;
  clearTimeout(stdioTimer);
  const lines = stdio.stdout.split('\n').filter((line) => line !== '');
  const notProtocol = lines.filter((line) => {
    try {
      return JSON.parse(line).jsonrpc !== '2.0';
    } catch {
      return true;
    }
  });
  check(
    'stdout holds JSON-RPC messages only',
    lines.length > 0 && notProtocol.length === 0,
    JSON.stringify(notProtocol.slice(0, 5)),
  );

  step('Ctrl-C on pnpm start: a clean shutdown, and pnpm exits 0');
  const pnpmBin = execFileSync('npx', ['-y', '-p', pnpmSpec, '-c', 'command -v pnpm'], {
    encoding: 'utf8',
    env: baseEnv(),
  }).trim();
  // pnpm itself (on PATH, as for someone who installed it), not through npx: npx runs it under
  // `sh -c`, which dies of the same SIGINT and makes npx exit 130 whatever pnpm does.
  const ctrlC = launch('pnpm start', 'exec pnpm start', {
    env: { X_SERVER_PORT: '0', PATH: `${dirname(pnpmBin)}${delimiter}${process.env.PATH}` },
  });
  await waitFor(ctrlC, /listening on (http:\/\/\S+)/, 5 * 60_000);
  stopGroup(ctrlC, 'SIGINT'); // what the terminal does: SIGINT to the whole foreground group
  const timer = setTimeout(() => stopGroup(ctrlC, 'SIGKILL'), 30_000);
  const ended = await ctrlC.exited;
  clearTimeout(timer);
  check(
    'server stopped cleanly on SIGINT',
    /\[x-server\] stopped/.test(ctrlC.output),
    tail(ctrlC.output),
  );
  check(
    'pnpm start exits 0, without ELIFECYCLE',
    ended.code === 0 && !/ELIFECYCLE/.test(ctrlC.output),
    `${JSON.stringify(ended)}\n${tail(ctrlC.output)}`,
  );

  step('what the runs left behind');
  check('no .x-server folder in the working directory', !existsSync(join(clone, '.x-server')));
  if (!rootHadXServer) check('no .x-server folder created in /', !existsSync('/.x-server'));
  check(
    'telemetry in the XDG state folder',
    existsSync(join(xdg.XDG_STATE_HOME, 'x-server', 'telemetry', 'spans.jsonl')),
  );
  check('cache in the XDG cache folder', existsSync(join(xdg.XDG_CACHE_HOME, 'x-server')));
}

async function cleanup() {
  await Promise.all([...clients].map((client) => client.close().catch(() => {})));
  await Promise.all([...groups.values()].map((run) => stop(run, 5_000)));
  rmSync(scratch, { recursive: true, force: true });
}

const deadline = setTimeout(() => {
  console.error(`first-hour: not done within ${TIMEOUT_MS} ms`);
  process.exitCode = 1;
  void cleanup().finally(() => process.exit(1));
}, TIMEOUT_MS);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`first-hour: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(1));
  });
}

const started = Date.now();
try {
  await firstHour();
  console.log(`\nfirst-hour: passed in ${Math.round((Date.now() - started) / 1000)} s`);
} catch (error) {
  console.error(`\nfirst-hour: FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await cleanup();
}

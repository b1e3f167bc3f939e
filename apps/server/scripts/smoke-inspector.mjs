#!/usr/bin/env node
// Drives x-server with a client nobody here wrote — the MCP Inspector CLI — over stdio and over
// Streamable HTTP: tools/list, then a dispatch call. Needs a build first (dist/cli.js).
// Usage: pnpm --filter @x/server smoke:inspector
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);
const cli = join(here, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error(`smoke:inspector: ${cli} is missing; run "pnpm --filter @x/server build" first.`);
  process.exit(1);
}
const require = createRequire(import.meta.url);
const inspectorPkg = require.resolve('@modelcontextprotocol/inspector/package.json');
const inspector = join(dirname(inspectorPkg), require(inspectorPkg).bin['mcp-inspector']);
const cwd = await mkdtemp(join(tmpdir(), 'x-server-smoke-'));

function run(args, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [inspector, '--cli', ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0)
        reject(new Error(`inspector ${args.join(' ')} exited ${code}\n${stderr}${stdout}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

function check(label, condition, detail) {
  if (!condition) throw new Error(`${label}: ${detail}`);
  console.log(`ok - ${label}`);
}

const dispatchArgs = [
  '--method',
  'tools/call',
  '--tool-name',
  'dispatch',
  '--tool-arg',
  'category=text',
  '--tool-arg',
  'tool=hash',
  '--tool-arg',
  'params={"text":"hi"}',
];
// The model-facing surface: the core tools and the workflow tools, sorted.
const SURFACE = [
  'describe_workflow_template',
  'dispatch',
  'dispatch_parallel',
  'get_tool_schema',
  'list_categories',
  'list_tools',
  'list_workflow_templates',
  'search_tools',
  'server_stats',
  'workflow_run',
];
const HI_SHA256 = '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4';

async function smoke(transport, target) {
  const listed = await run([...target, '--method', 'tools/list']);
  const names = listed.tools.map((tool) => tool.name).sort();
  check(`${transport}: tools/list`, names.join(',') === SURFACE.join(','), names.join(','));
  const called = await run([...target, ...dispatchArgs]);
  check(
    `${transport}: dispatch text.hash`,
    called.structuredContent?.result?.hex === HI_SHA256,
    JSON.stringify(called),
  );
}

async function startHttp() {
  const server = spawn(process.execPath, [cli, '--http', '--port', '0'], { cwd });
  const url = await new Promise((resolve, reject) => {
    let stderr = '';
    server.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`x-server --http exited ${code}: ${stderr}`)));
  });
  return { server, url };
}

let http;
try {
  await smoke('stdio', ['node', cli, '--stdio']);
  http = await startHttp();
  await smoke('http', [http.url, '--transport', 'http']);
  console.log('smoke:inspector passed');
} catch (error) {
  console.error(`smoke:inspector failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (http) {
    const exited = new Promise((resolve) => http.server.once('exit', resolve));
    http.server.kill('SIGTERM');
    await exited;
  }
  await rm(cwd, { recursive: true, force: true });
}

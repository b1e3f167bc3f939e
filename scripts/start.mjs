#!/usr/bin/env node
// `pnpm start [x-server flags]`: builds the server and the packages it needs, then runs x-server.
// With no transport flag it serves Streamable HTTP on 127.0.0.1 (see apps/server/README.md);
// pass `--stdio` to serve an MCP client over stdin/stdout instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const build = spawnSync(
  join(root, 'node_modules', '.bin', 'turbo'),
  ['run', 'build', '--filter=@x/server...', '--output-logs=errors-only'],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
);
if (build.status !== 0) process.exit(build.status ?? 1);

const cli = join(root, 'apps', 'server', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error(`x-server was not built: ${cli} is missing`);
  process.exit(1);
}
const args = process.argv.slice(2).filter((a) => a !== '--');
if (!args.includes('--stdio') && !args.includes('--http')) args.unshift('--http');
const child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit' });
// Ctrl-C reaches the child straight from the terminal (same process group); only forward
// SIGTERM, which is sent to this process alone, so the server shuts down once, gracefully.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

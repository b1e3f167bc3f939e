#!/usr/bin/env node
// `pnpm start [x-server flags]`: builds the server and the packages it needs, then runs x-server.
// With no transport flag it serves Streamable HTTP on 127.0.0.1 (see apps/server/README.md);
// pass `--stdio` to serve an MCP client over stdin/stdout instead. Everything this script and
// the build print goes to stderr: in stdio mode stdout belongs to the protocol. (pnpm's own
// `> x-monorepo@ start` banner is pnpm's, printed before this script runs: `pnpm -s start`
// leaves it out.)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const build = spawnSync(
  join(root, 'node_modules', '.bin', 'turbo'),
  ['run', 'build', '--filter=@x/server...', '--output-logs=errors-only'],
  // turbo's summary goes to our stderr (fd 2), not to stdout.
  { cwd: root, stdio: ['ignore', 2, 2] },
);
if (build.error) {
  console.error(`could not run the build (turbo): ${build.error.message}`);
  process.exit(1);
}
if (build.status !== 0) process.exit(build.status ?? 1);

const cli = join(root, 'apps', 'server', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error(`x-server was not built: ${cli} is missing`);
  process.exit(1);
}
const args = process.argv.slice(2).filter((a) => a !== '--');
if (!args.includes('--stdio') && !args.includes('--http')) args.unshift('--http');
const child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit' });

// Forward SIGINT and SIGTERM: the server shuts down once however many copies it gets (Ctrl-C
// reaches it from the terminal as well, being in the same process group), and a signal sent to
// this process alone (a process manager, pnpm) still reaches it. This process waits for it.
const forward = (signal) => () => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code, signal) => {
  if (signal) {
    // The server was killed: end the same way, so whoever started us sees the real cause.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    process.kill(process.pid, signal);
    return;
  }
  // 0 after a clean shutdown (SIGINT included): `pnpm start` then ends without an error.
  process.exit(code ?? 1);
});

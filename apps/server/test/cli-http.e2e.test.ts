import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { connectHttp, NODE_ARGS, ok, workdir } from './helpers.js';

const children: ChildProcessWithoutNullStreams[] = [];
const clients: Client[] = [];

// Every process a test started is stopped, even when the test failed.
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
});

/** The CLI in `dir`, its default cache and state folders inside `dir` too. */
function cli(dir: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: dir,
    env: {
      ...process.env,
      XDG_CACHE_HOME: join(dir, 'cache'),
      XDG_STATE_HOME: join(dir, 'state'),
      ...env,
    },
  });
  children.push(child);
  return child;
}

function listening(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`x-server exited ${code}: ${stderr}`)));
  });
}

/** Resolves once the child's stderr has matched `pattern` (a signal was handled, …). */
function logged(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let stderr = '';
    const listen = (chunk: Buffer) => {
      stderr += chunk;
      if (!pattern.test(stderr)) return;
      child.stderr.off('data', listen);
      resolve();
    };
    child.stderr.on('data', listen);
  });
}

function exited(child: ChildProcessWithoutNullStreams) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
}

/** A server with a 300 ms `demo.sleep` call running (proved by server_stats). */
async function serverWithCallInFlight() {
  const child = cli(await workdir(), ['--http', '--port', '0']);
  const exit = exited(child);
  const client = await connectHttp(await listening(child));
  clients.push(client);
  const pending = client.callTool({
    name: 'dispatch',
    arguments: { category: 'demo', tool: 'sleep', params: { ms: 300 } },
  });
  const { stats } = ok<{ stats: { dispatcher: { inFlight: number } } }>(
    await client.callTool({ name: 'server_stats', arguments: {} }),
  );
  expect(stats.dispatcher.inFlight).toBe(1);
  return { child, exit, pending };
}

describe('x-server --http', () => {
  it('serves on a free port and, on SIGTERM, answers the call in flight before exiting with 0', async () => {
    const { child, exit, pending } = await serverWithCallInFlight();

    child.kill('SIGTERM');
    const answer = ok<{ result: { sleptMs: number } }>(await pending);

    expect(answer.result.sleptMs).toBe(300);
    expect(await exit).toEqual({ code: 0, signal: null });
  });

  it('shuts down once, cleanly, when the signal comes twice (Ctrl-C to a process group, a wrapper forwarding it)', async () => {
    const { child, exit, pending } = await serverWithCallInFlight();

    child.kill('SIGINT');
    await logged(child, /shutting down \(SIGINT\)/);
    child.kill('SIGINT');
    const answer = ok<{ result: { sleptMs: number } }>(await pending);

    expect(answer.result.sleptMs).toBe(300);
    expect(await exit).toEqual({ code: 0, signal: null });
  });

  it('refuses to start on a non-loopback host without a token, naming the setting', async () => {
    const child = cli(await workdir(), ['--http', '--host', '0.0.0.0', '--port', '0'], {
      X_SERVER_TOKEN: '',
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const { code } = await exited(child);

    expect(code).toBe(2);
    expect(stderr).toMatch(/X_SERVER_TOKEN or http\.token/);
  });
});

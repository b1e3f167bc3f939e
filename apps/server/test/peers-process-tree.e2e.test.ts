import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVERYTHING_BIN,
  type Gateway,
  isAlive,
  killProcessesWith,
  PEER_WRAPPER,
  processesWith,
  startGateway,
} from './gateway-helpers.js';
import { connectHttp, NODE_ARGS, ok, workdir } from './helpers.js';

let markers: string[] = [];

/** A marker for the command line of one test's peer processes, so they can be found. */
function marker(): string {
  const name = `x-server-tree-${process.pid}-${markers.length}-${Date.now()}`;
  markers.push(name);
  return name;
}

/** server-everything behind a wrapper (as `npx` starts it), every process marked. */
function wrapped(mark: string, options: { stubborn: boolean }) {
  return {
    command: process.execPath,
    args: [
      PEER_WRAPPER,
      ...(options.stubborn ? ['--stubborn'] : []),
      EVERYTHING_BIN,
      'stdio',
      mark,
    ],
  };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
    } else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Starts the x-server CLI over HTTP with `config`; resolves with its URL once it listens. */
async function startCli(config: Record<string, unknown>) {
  const dir = await workdir();
  const file = join(dir, 'x-server.json');
  await writeFile(file, JSON.stringify(config));
  const child = spawn(process.execPath, [...NODE_ARGS, '--config', file, '--http', '--port', '0'], {
    cwd: dir,
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`x-server exited ${code}: ${stderr}`)));
  });
  return { child, url, exited: exited(child) };
}

describe('stdio peers started through a wrapper (npx, sh -c): the whole process tree', () => {
  let gateway: Gateway | undefined;
  let cli: ChildProcess | undefined;

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    if (cli && cli.exitCode === null && cli.signalCode === null) {
      cli.kill('SIGKILL');
      await exited(cli);
    }
    cli = undefined;
    // A failed test's leftovers: the peer processes it started.
    for (const mark of markers) killProcessesWith(mark);
    markers = [];
  });

  it("ends every process of a stubborn wrapped peer's tree when the server closes", async () => {
    const mark = marker();
    gateway = await startGateway({
      builtins: [],
      shutdownGraceMs: 0,
      peers: { everything: wrapped(mark, { stubborn: true }) },
    });
    ok(await gateway.call('list_tools', { category: 'everything' }));
    const tree = processesWith(mark);
    // The wrapper and the peer it started, which ignores SIGTERM and its closed stdin.
    expect(tree).toHaveLength(2);

    await gateway.app.close();

    expect(tree.filter(isAlive)).toEqual([]);
    expect(gateway.app.peers.stats().connections).toBe(0);
  });

  it('x-server exits on SIGTERM, leaving no process of a stubborn wrapped peer behind', async () => {
    const mark = marker();
    const started = await startCli({
      builtins: [],
      shutdownGraceMs: 0,
      peers: { everything: wrapped(mark, { stubborn: true }) },
    });
    cli = started.child;
    const client = await connectHttp(started.url);
    ok(await client.callTool({ name: 'list_tools', arguments: { category: 'everything' } }));
    await client.close();
    const tree = processesWith(mark);
    expect(tree).toHaveLength(2);

    cli.kill('SIGTERM');
    const { code } = await started.exited;

    expect(code).toBe(0);
    expect(tree.filter(isAlive)).toEqual([]);
  });

  it('a wrapped peer that ends when its stdin closes ends when x-server is killed (SIGKILL)', async () => {
    const mark = marker();
    const started = await startCli({
      builtins: [],
      peers: { everything: wrapped(mark, { stubborn: false }) },
    });
    cli = started.child;
    const client = await connectHttp(started.url);
    ok(await client.callTool({ name: 'list_tools', arguments: { category: 'everything' } }));
    await client.close().catch(() => {});
    const tree = processesWith(mark);
    expect(tree).toHaveLength(2);

    cli.kill('SIGKILL');
    await started.exited;

    // Nothing of x-server is left to end them: its pipes closing is what the peers see.
    await expect.poll(() => tree.filter(isAlive), { timeout: 10_000 }).toEqual([]);
  });
});

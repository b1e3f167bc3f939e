import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectStdio, NODE_ARGS, ok, workdir } from './helpers.js';

/** A scratch working directory that also holds the server's default cache and state folders. */
async function home(): Promise<string> {
  const dir = await workdir();
  vi.stubEnv('XDG_CACHE_HOME', join(dir, 'cache'));
  vi.stubEnv('XDG_STATE_HOME', join(dir, 'state'));
  return dir;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

async function spans(dir: string): Promise<{ name: string; ok: boolean }[]> {
  const text = await readFile(join(dir, 'state', 'x-server', 'telemetry', 'spans.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

function exited(child: {
  exitCode: number | null;
  once(event: 'exit', fn: (code: number | null) => void): unknown;
}) {
  return new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', resolve);
  });
}

// The CLI as a client launches it: a child process speaking MCP over stdin/stdout.
describe('x-server --stdio', () => {
  it('serves tools over stdio and flushes telemetry when the client disconnects', async () => {
    const dir = await home();
    const { client, transport } = await connectStdio(dir, ['--stdio']);
    const pid = transport.pid;

    const { tools } = await client.listTools();
    const done = ok<{ result: { content: string } }>(
      await client.callTool({
        name: 'dispatch',
        arguments: { category: 'fs', tool: 'read_file', params: { path: 'hello.txt' } },
      }),
    );
    await client.close();
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);

    expect(tools).toHaveLength(10);
    expect(done.result.content).toBe('hello from the fs root');
    expect(await spans(dir)).toMatchObject([{ name: 'fs.read_file', ok: true }]);
  });

  it('finishes the call in flight on SIGTERM, then exits cleanly with telemetry written', async () => {
    const dir = await home();
    const { client, transport } = await connectStdio(dir);
    const pid = transport.pid!;
    const pending = client.callTool({
      name: 'dispatch',
      arguments: { category: 'demo', tool: 'sleep', params: { ms: 300 } },
    });
    // Requests are handled in order, so this answer proves the sleep is already running.
    const { stats } = ok<{ stats: { dispatcher: { inFlight: number } } }>(
      await client.callTool({ name: 'server_stats', arguments: {} }),
    );
    expect(stats.dispatcher.inFlight).toBe(1);

    process.kill(pid, 'SIGTERM');
    const answer = ok<{ result: { sleptMs: number } }>(await pending);
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
    await client.close();

    expect(answer.result.sleptMs).toBe(300);
    expect(await spans(dir)).toMatchObject([{ name: 'demo.sleep', ok: true }]);
  });

  it('exits with code 2 and names the field of an invalid config', async () => {
    const dir = await workdir();
    await writeFile(join(dir, 'x-server.json'), JSON.stringify({ http: { port: 'eighty' } }));

    const child = spawn(process.execPath, [...NODE_ARGS, '--config', 'x-server.json'], {
      cwd: dir,
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await exited(child);

    expect(code).toBe(2);
    expect(stderr).toMatch(/"http\.port"/);
  });
});

function isAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

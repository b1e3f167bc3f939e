import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { connectHttp, NODE_ARGS, ok, workdir } from './helpers.js';

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

describe('x-server --http', () => {
  it('serves on a free port and, on SIGTERM, answers the call in flight before exiting with 0', async () => {
    const dir = await workdir();
    const child = spawn(process.execPath, [...NODE_ARGS, '--http', '--port', '0'], { cwd: dir });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = await listening(child);
    const client = await connectHttp(url);
    const pending = client.callTool({
      name: 'dispatch',
      arguments: { category: 'demo', tool: 'sleep', params: { ms: 300 } },
    });
    const { stats } = ok<{ stats: { dispatcher: { inFlight: number } } }>(
      await client.callTool({ name: 'server_stats', arguments: {} }),
    );
    expect(stats.dispatcher.inFlight).toBe(1);

    child.kill('SIGTERM');
    const answer = ok<{ result: { sleptMs: number } }>(await pending);
    const code = await exited;
    await client.close().catch(() => {});

    expect(answer.result.sleptMs).toBe(300);
    expect(code).toBe(0);
  });

  it('refuses to start on a non-loopback host without a token, naming the setting', async () => {
    const dir = await workdir();
    const child = spawn(
      process.execPath,
      [...NODE_ARGS, '--http', '--host', '0.0.0.0', '--port', '0'],
      {
        cwd: dir,
        env: { ...process.env, X_SERVER_TOKEN: '' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(2);
    expect(stderr).toMatch(/X_SERVER_TOKEN or http\.token/);
  });
});

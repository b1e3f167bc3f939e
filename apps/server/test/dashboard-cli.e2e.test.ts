import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { connectStdio, NODE_ARGS, ok, workdir } from './helpers.js';

describe('x-server --dashboard', () => {
  it('serves the page on 127.0.0.1 beside stdio, with the stdio client calls in it', async () => {
    const dir = await workdir();
    const { client, transport } = await connectStdio(dir, ['--stdio', '--dashboard=0']);
    let stderr = '';
    transport.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const page = await vi.waitFor(
      () => {
        const found = /dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
        if (!found) throw new Error(`no dashboard line yet in: ${stderr}`);
        return found[1]!;
      },
      { timeout: 15_000, interval: 50 },
    );

    ok(
      await client.callTool({
        name: 'dispatch',
        arguments: { category: 'time', tool: 'now', params: {} },
      }),
    );

    const html = await fetch(page);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('/dashboard/app.js');
    const events = await fetch(new URL('/dashboard/events', page));
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes('\n\n', text.indexOf('data: '))) {
      text += new TextDecoder().decode((await reader.read()).value);
    }
    await reader.cancel();
    const frame = JSON.parse(text.slice(text.indexOf('data: ') + 6).split('\n')[0]!);
    expect(frame.tools.map((tool: { name: string }) => tool.name)).toContain('time.now');
    expect(frame.sessions.stdio).toBe(1);
    // The listener serves the dashboard only.
    expect((await fetch(new URL('/mcp', page), { method: 'POST' })).status).toBe(404);
    expect((await fetch(new URL('/health', page))).status).toBe(404);
  });

  it('refuses a port that is not one, saying so', async () => {
    const dir = await workdir();
    const child = spawn(process.execPath, [...NODE_ARGS, '--dashboard=abc'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--dashboard port must be an integer 0..65535; got "abc"');
  });
});

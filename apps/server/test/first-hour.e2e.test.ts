import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, errorText, type HttpHarness, ok, startHttp } from './helpers.js';

// A model's first hour with the server, over real Streamable HTTP: its own mistakes are
// answered clearly and never cut it off from a category that works.
describe('a model making mistakes, over Streamable HTTP', () => {
  let server: HttpHarness;
  let client: Client;

  beforeAll(async () => {
    server = await startHttp({ breaker: { failureThreshold: 5, recoveryTimeoutMs: 30_000 } });
    await mkdir(join(server.dir, 'files', 'src'));
    client = await connectHttp(server.url);
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  const dispatch = (category: string, tool: string, params: Record<string, unknown>) =>
    client.callTool({ name: 'dispatch', arguments: { category, tool, params } });
  const readFile = (path: string) => dispatch('fs', 'read_file', { path });
  const stats = async () =>
    ok<{ stats: { breakers: Record<string, string>; dispatcher: { failed: number } } }>(
      await client.callTool({ name: 'server_stats', arguments: {} }),
    ).stats;

  it('still reads a file after five bad-input fs calls, and after one more', async () => {
    const before = (await stats()).dispatcher.failed;
    const bad = ['../../etc/passwd', '/etc/passwd', '../secret', 'missing.txt', 'src'];

    const errors = [];
    for (const path of bad) errors.push(errorText(await readFile(path)));
    const first = ok<{ result: { content: string } }>(await readFile('hello.txt'));
    const again = errorText(await readFile('missing.txt'));
    const second = ok<{ result: { content: string } }>(await readFile('hello.txt'));

    expect(errors.map((text) => text.match(/^\[([A-Z_]+)\]/)?.[1])).toEqual([
      'PATH_OUTSIDE_ROOT',
      'PATH_OUTSIDE_ROOT',
      'PATH_OUTSIDE_ROOT',
      'NOT_FOUND',
      'IS_A_DIRECTORY',
    ]);
    expect(errors[4]).toMatch(/"src" is a directory, not a file\. Call list_dir/);
    expect(again).toMatch(/^\[NOT_FOUND\]/);
    expect(first.result.content).toBe('hello from the fs root');
    expect(second.result.content).toBe('hello from the fs root');
    const after = await stats();
    expect(after.breakers.fs).toBe('closed');
    expect(after.dispatcher.failed - before).toBe(6);
  });

  it('names an unknown param alongside the missing one', async () => {
    const text = errorText(await dispatch('text', 'hash', { txt: 'hi' }));

    expect(text).toBe(
      '[INVALID_PARAMS] Invalid params for text.hash: unknown parameter "txt" (did you mean "text"? the tool takes "text", "algorithm"); text: missing (expected string). Call get_tool_schema for the expected shape.',
    );
  });

  it('finds fs.read_file first for "read a file"', async () => {
    const { hits } = ok<{ hits: { category: string; tool: string }[] }>(
      await client.callTool({ name: 'search_tools', arguments: { query: 'read a file' } }),
    );

    expect(hits[0]).toMatchObject({ category: 'fs', tool: 'read_file' });
    expect(hits.slice(0, 3).some((hit) => hit.category === 'demo')).toBe(false);
  });
});

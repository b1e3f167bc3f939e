import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoTools, FlakyFailureError, sleep } from '../src/catalog/builtins/demo.js';
import { confine, fsTools } from '../src/catalog/builtins/fs.js';
import { queryJson, textTools } from '../src/catalog/builtins/text.js';
import { timeTools } from '../src/catalog/builtins/time.js';
import { resolveZodTool, type ToolDefinition } from '../src/catalog/tool.js';
import { CallCancelledError, PathOutsideRootError } from '../src/errors.js';

const signal = new AbortController().signal;

function call(tools: ToolDefinition[], name: string, params: unknown) {
  const tool = resolveZodTool('t', tools.find((candidate) => candidate.name === name)!);
  const valid = tool.validate(params);
  if (!valid.ok) throw new Error(valid.message);
  return tool.run(valid.value, { signal });
}

describe('text tools', () => {
  it('hashes with sha256 by default', async () => {
    expect(await call(textTools, 'hash', { text: 'abc' })).toEqual({
      algorithm: 'sha256',
      hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });

  it('round-trips base64', async () => {
    expect(await call(textTools, 'base64', { text: 'héllo' })).toEqual({ result: 'aMOpbGxv' });
    expect(await call(textTools, 'base64', { text: 'aMOpbGxv', mode: 'decode' })).toEqual({
      result: 'héllo',
    });
  });

  it('queries JSON by path', async () => {
    expect(queryJson({ a: [{ b: 1 }] }, '$.a[0].b')).toBe(1);
    expect(
      await call(textTools, 'json_query', {
        json: '{"items":[{"name":"x"}]}',
        path: 'items[0].name',
      }),
    ).toEqual({
      found: true,
      value: 'x',
    });
    await expect(call(textTools, 'json_query', { json: '{', path: 'a' })).rejects.toThrow(
      /not valid JSON/,
    );
  });

  it('matches a regular expression with groups', async () => {
    expect(
      await call(textTools, 'regex_match', { text: 'a1 b2', pattern: '([a-z])(\\d)' }),
    ).toMatchObject({
      count: 2,
      matches: [
        { match: 'a1', index: 0, groups: ['a', '1'] },
        { match: 'b2', index: 3, groups: ['b', '2'] },
      ],
    });
  });

  it('explains invalid params by field', () => {
    const tool = resolveZodTool('text', textTools[0]!);

    expect(tool.validate({ text: 1 })).toEqual({
      ok: false,
      message: expect.stringMatching(/^text: /),
    });
  });

  it('computes the JSON Schema once', () => {
    const tool = resolveZodTool('text', textTools[0]!);

    expect(tool.jsonSchema()).toBe(tool.jsonSchema());
    expect(tool.jsonSchema()).toMatchObject({ type: 'object', required: ['text'] });
  });
});

describe('time tools', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('reads the injected clock', async () => {
    expect(
      await call(
        timeTools(() => at),
        'now',
        {},
      ),
    ).toMatchObject({ iso: '2026-01-02T03:04:05.000Z', epochMs: at });
  });

  it('measures durations and refuses unknown zones', async () => {
    expect(
      await call(timeTools(), 'diff', { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }),
    ).toMatchObject({
      days: 1,
    });
    await expect(
      call(timeTools(), 'convert', { date: at, timeZone: 'Mars/Olympus' }),
    ).rejects.toThrow(RangeError);
  });
});

describe('fs tools', () => {
  async function tree() {
    const base = await mkdtemp(join(tmpdir(), 'x-server-fs-'));
    const root = join(base, 'root');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'sub', 'a.txt'), 'hello');
    await writeFile(join(base, 'secret.txt'), 'secret');
    await symlink(join(base, 'secret.txt'), join(root, 'link.txt'));
    return root;
  }

  it('reads and lists inside the root', async () => {
    const root = await tree();

    expect(await call(fsTools(root), 'read_file', { path: 'sub/a.txt' })).toMatchObject({
      content: 'hello',
      size: 5,
    });
    expect(await call(fsTools(root), 'list_dir', { path: 'sub' })).toMatchObject({
      entries: [{ name: 'a.txt', kind: 'file', size: 5 }],
    });
  });

  it('refuses paths that escape the root by "..", absolute path or symlink', async () => {
    const root = await tree();

    await expect(confine(root, '../secret.txt')).rejects.toBeInstanceOf(PathOutsideRootError);
    await expect(confine(root, '/etc/passwd')).rejects.toBeInstanceOf(PathOutsideRootError);
    await expect(call(fsTools(root), 'read_file', { path: 'link.txt' })).rejects.toThrow(
      /outside the fs root/,
    );
  });

  it('truncates at maxBytes', async () => {
    const root = await tree();

    expect(
      await call(fsTools(root), 'read_file', { path: 'sub/a.txt', maxBytes: 2 }),
    ).toMatchObject({
      content: 'he',
      truncated: true,
    });
  });
});

describe('demo tools', () => {
  it('fails flaky calls by the injected random source', async () => {
    await expect(
      call(
        demoTools(() => 0.2),
        'flaky',
        { failureRate: 0.5 },
      ),
    ).rejects.toBeInstanceOf(FlakyFailureError);
    expect(
      await call(
        demoTools(() => 0.7),
        'flaky',
        { failureRate: 0.5 },
      ),
    ).toEqual({ ok: true });
  });

  it('ends a sleep early when its signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);

    controller.abort();

    await expect(sleeping).rejects.toBeInstanceOf(CallCancelledError);
  });
});

import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoTools, FlakyFailureError, sleep } from '../src/catalog/builtins/demo.js';
import { confine, fsTools } from '../src/catalog/builtins/fs.js';
import { queryJson, textTools } from '../src/catalog/builtins/text.js';
import { timeTools } from '../src/catalog/builtins/time.js';
import { resolveZodTool, type ToolDefinition } from '../src/catalog/tool.js';
import { CallCancelledError, isCallerFault, PathOutsideRootError } from '../src/errors.js';

const signal = new AbortController().signal;

/** What a call rejected with: its code, message and whether it blames the caller. */
async function failure(pending: Promise<unknown>) {
  const error = await pending.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (caught: unknown) => caught as Error & { code?: string },
  );
  return { code: error.code, message: error.message, callerFault: isCallerFault(error) };
}

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

  it("answers JSON that does not parse and a bad pattern as the caller's fault", async () => {
    expect(await failure(call(textTools, 'json_query', { json: '{', path: 'a' }))).toMatchObject({
      code: 'INVALID_JSON',
      callerFault: true,
    });
    expect(
      await failure(call(textTools, 'regex_match', { text: 'x', pattern: '(' })),
    ).toMatchObject({
      code: 'INVALID_PATTERN',
      message: expect.stringMatching(/^"pattern" is not a valid regular expression/),
      callerFault: true,
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
    expect(
      await failure(call(timeTools(), 'convert', { date: at, timeZone: 'Mars/Olympus' })),
    ).toMatchObject({ code: 'UNKNOWN_TIME_ZONE', callerFault: true });
    expect(await failure(call(timeTools(), 'diff', { from: 'soon', to: at }))).toMatchObject({
      code: 'INVALID_DATE',
      message: expect.stringMatching(/^"from" is not a date/),
      callerFault: true,
    });
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

  it('says how a path escaped: by "..", as an absolute path, or through a symbolic link', async () => {
    const root = await tree();

    const dotDot = await failure(confine(root, 'sub/../../secret.txt'));
    const absolute = await failure(confine(root, '/etc/passwd'));
    const link = await failure(call(fsTools(root), 'read_file', { path: 'link.txt' }));

    expect(dotDot).toMatchObject({ code: 'PATH_OUTSIDE_ROOT', callerFault: true });
    expect(dotDot.message).toMatch(/"\.\." segments lead out of the root/);
    expect(absolute.message).toMatch(/an absolute path must lie under the root/);
    expect(absolute.message).not.toMatch(/"\.\."/);
    expect(link.message).toMatch(/symbolic link that points outside the root/);
    expect(link.message).not.toMatch(/"\.\."/);
  });

  it('accepts an absolute path that lies under the root', async () => {
    const root = await tree();

    expect(
      await call(fsTools(root), 'read_file', { path: join(root, 'sub', 'a.txt') }),
    ).toMatchObject({ content: 'hello' });
  });

  it('answers reading a directory with IS_A_DIRECTORY and a hint of list_dir', async () => {
    const root = await tree();

    expect(await failure(call(fsTools(root), 'read_file', { path: 'sub' }))).toEqual({
      code: 'IS_A_DIRECTORY',
      message:
        '"sub" is a directory, not a file. Call list_dir with path "sub" to see its entries.',
      callerFault: true,
    });
  });

  it('answers a missing path with NOT_FOUND and listing a file with NOT_A_DIRECTORY', async () => {
    const root = await tree();

    for (const tool of ['read_file', 'stat', 'list_dir']) {
      expect(await failure(call(fsTools(root), tool, { path: 'nope.txt' }))).toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining('list_dir'),
        callerFault: true,
      });
    }
    expect(await failure(call(fsTools(root), 'list_dir', { path: 'sub/a.txt' }))).toMatchObject({
      code: 'NOT_A_DIRECTORY',
      callerFault: true,
    });
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

describe('built-in tool inputs', () => {
  const all = [
    ...textTools,
    ...timeTools(),
    ...fsTools(tmpdir()),
    ...demoTools(),
  ] as ToolDefinition[];

  it('refuse unknown params, naming them alongside the missing ones', () => {
    const hash = resolveZodTool('text', textTools[0]!);

    expect(hash.validate({ txt: 'hi' })).toEqual({
      ok: false,
      message:
        'unknown parameter "txt" (did you mean "text"? the tool takes "text", "algorithm"); text: missing (expected string)',
    });
  });

  it('are strict for every built-in tool, and say so in their JSON Schema', () => {
    for (const definition of all) {
      const tool = resolveZodTool('b', definition);
      const outcome = tool.validate({ surplus: 1 });

      expect(outcome.ok, definition.name).toBe(false);
      expect(outcome.ok || outcome.message, definition.name).toMatch(
        /^unknown parameter "surplus" \(the tool takes /,
      );
      expect(tool.jsonSchema(), definition.name).toMatchObject({ additionalProperties: false });
    }
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

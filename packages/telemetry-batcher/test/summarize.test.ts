import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli-main.js';
import { formatSummary, type Span, SpanFileNotFoundError, summarize } from '../src/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'x-telemetry-summary-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function jsonl(spans: Span[]): string {
  return spans.map((span) => `${JSON.stringify(span)}\n`).join('');
}

function span(name: string, durationMs: number, ok = true, errorCode?: string): Span {
  return {
    name,
    startTimeMs: 1_700_000_000_000,
    durationMs,
    ok,
    ...(errorCode ? { errorCode } : {}),
  };
}

describe('summarize', () => {
  it('reports count, error rate and nearest-rank percentiles per span name', async () => {
    const path = join(dir, 'spans.jsonl');
    const searches = Array.from({ length: 100 }, (_, i) => span('search', i + 1, i % 10 !== 0));
    await writeFile(path, jsonl([...searches, span('fetch', 7, false, 'ETIMEDOUT')]));

    const summary = await summarize(path);

    expect(summary.spans).toBe(101);
    expect(summary.names).toEqual([
      {
        name: 'search',
        count: 100,
        errors: 10,
        errorRate: 0.1,
        p50Ms: 50,
        p95Ms: 95,
        p99Ms: 99,
        maxMs: 100,
      },
      { name: 'fetch', count: 1, errors: 1, errorRate: 1, p50Ms: 7, p95Ms: 7, p99Ms: 7, maxMs: 7 },
    ]);
  });

  it('counts a span with an errorCode as an error even without ok: false', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(path, jsonl([{ name: 'a', startTimeMs: 0, durationMs: 1, errorCode: 'E' }]));

    const summary = await summarize(path);

    expect(summary.names[0]!.errors).toBe(1);
  });

  it('reads the rotated files too, oldest first', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(`${path}.2`, jsonl([span('a', 1)]));
    await writeFile(`${path}.1`, jsonl([span('a', 2)]));
    await writeFile(path, jsonl([span('a', 3)]));
    await writeFile(`${path}.bak`, jsonl([span('a', 1_000)]));

    const summary = await summarize(path);

    expect(summary.files).toEqual([`${path}.2`, `${path}.1`, path]);
    expect(summary.names[0]).toMatchObject({ count: 3, maxMs: 3 });
  });

  it('skips a torn last line left by a crash', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(path, `${jsonl([span('a', 1), span('a', 2)])}{"name":"a","startTi`);

    const summary = await summarize(path);

    expect(summary).toMatchObject({ spans: 2, skippedLines: 1 });
  });

  it('throws SpanFileNotFoundError with a code when no file exists', async () => {
    const missing = join(dir, 'nope.jsonl');

    await expect(summarize(missing)).rejects.toMatchObject({
      name: 'SpanFileNotFoundError',
      code: 'ERR_TELEMETRY_SPAN_FILE_NOT_FOUND',
      path: missing,
    });
    await expect(summarize(missing)).rejects.toBeInstanceOf(SpanFileNotFoundError);
  });

  it('formats an aligned table with a totals line', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(path, jsonl([span('search', 12.25), span('fetch', 150, false)]));

    const text = formatSummary(await summarize(path));

    expect(text).toBe(
      [
        'name    count  errors  p50 ms  p95 ms  p99 ms  max ms',
        'fetch       1  100.0%     150     150     150     150',
        'search      1    0.0%    12.3    12.3    12.3    12.3',
        '',
        '2 spans in 1 file',
        '',
      ].join('\n'),
    );
  });
});

describe('x-telemetry CLI', () => {
  async function run(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      args,
      (text) => {
        stdout += text;
      },
      (text) => {
        stderr += text;
      },
    );
    return { code, stdout, stderr };
  }

  it('prints the report table for `report FILE`', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(path, jsonl([span('search', 5)]));

    const result = await run(['report', path]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('search      1    0.0%');
  });

  it('prints JSON with --json', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(path, jsonl([span('search', 5)]));

    const result = await run(['report', path, '--json']);

    expect(JSON.parse(result.stdout)).toMatchObject({ spans: 1, names: [{ name: 'search' }] });
  });

  it('exits 2 with the usage on bad arguments', async () => {
    const result = await run(['report']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: x-telemetry report FILE [--json | --html OUT]');
  });

  it('exits 1 with a clear message when the file does not exist', async () => {
    const result = await run(['report', join(dir, 'missing.jsonl')]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No span file at');
  });
});

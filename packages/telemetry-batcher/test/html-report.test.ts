import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli-main.js';
import { spanSeries } from '../src/html-report.js';
import type { Span } from '../src/span.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'x-telemetry-html-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;
const span = (name: string, startTimeMs: number, durationMs: number, ok = true): Span => ({
  name,
  startTimeMs,
  durationMs,
  ok,
});
const jsonl = (spans: Span[]) => `${spans.map((s) => JSON.stringify(s)).join('\n')}\n`;

describe('x-telemetry report --html', () => {
  it('buckets spans per slot: rate per second and nearest-rank p95 per name', async () => {
    const path = join(dir, 'spans.jsonl');
    const spans = [
      ...Array.from({ length: 20 }, (_, i) => span('a', T0 + 100, i + 1)),
      span('a', T0 + 2_500, 7),
      span('b', T0 + 1_200, 3, false),
    ];
    await writeFile(path, jsonl(spans));

    const series = await spanSeries([path], ['a', 'b']);

    expect(series.slotMs).toBe(1000);
    expect(series.x).toEqual([T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 2]);
    expect(series.rate).toEqual([
      [20, 0, 1],
      [0, 1, 0],
    ]);
    expect(series.p95).toEqual([
      [19, null, 7],
      [null, 3, null],
    ]);
  });

  it('writes one standalone HTML file: the table, the data, uPlot inlined, nothing fetched', async () => {
    const path = join(dir, 'spans.jsonl');
    const out = join(dir, 'report.html');
    await writeFile(
      path,
      jsonl([
        span('search.<q>', T0, 4),
        span('search.<q>', T0 + 60_000, 9, false),
        span('fetch', T0, 2),
      ]),
    );
    const printed: string[] = [];

    const code = await runCli(['report', path, '--html', out], (text) => printed.push(text));

    expect(code).toBe(0);
    expect(printed).toEqual([`wrote ${out}\n`]);
    const html = await readFile(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    // The name is escaped in the table and in the embedded JSON alike.
    expect(html).toContain('<th scope="row">search.&#60;q&#62;</th>');
    expect(html).toContain('"names":["search.\\u003cq>","fetch"]');
    expect(html).toContain('<td>50.0 %</td>');
    expect(html).toContain('uPlot');
    // Offline: no script, style or image from anywhere else.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('refuses --html without a file, and --json with --html', async () => {
    const errors: string[] = [];
    expect(
      await runCli(
        ['report', 'x.jsonl', '--html'],
        () => {},
        (t) => errors.push(t),
      ),
    ).toBe(2);
    expect(
      await runCli(
        ['report', 'x.jsonl', '--json', '--html', 'o.html'],
        () => {},
        (t) => errors.push(t),
      ),
    ).toBe(2);
    expect(errors[0]).toContain('--html needs a file');
    expect(errors[1]).toContain('choose one');
  });
});

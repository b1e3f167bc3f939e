import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { type SpanSummary, summarize } from './summarize.js';

/** Span names charted (the most frequent); the table lists them all. */
const CHARTED = 8;
/** Points per chart at most: the slot grows with the length of the run. */
const MAX_POINTS = 120;

export interface HtmlSeries {
  /** Start of each slot, epoch seconds. */
  x: number[];
  slotMs: number;
  names: string[];
  /** Per charted name: spans per second in each slot. */
  rate: number[][];
  /** Per charted name: p95 duration (ms) in each slot; null where it had none. */
  p95: (number | null)[][];
}

/** Per-slot figures of the most frequent span names, from their start times. */
export async function spanSeries(files: string[], names: string[]): Promise<HtmlSeries> {
  const charted = new Map(names.map((name, i) => [name, i]));
  const points: { index: number; startMs: number; durationMs: number }[] = [];
  for (const path of files) {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const line of lines) {
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const index = typeof value?.name === 'string' ? charted.get(value.name) : undefined;
      const { startTimeMs, durationMs } = value ?? {};
      if (
        index === undefined ||
        typeof startTimeMs !== 'number' ||
        typeof durationMs !== 'number'
      ) {
        continue;
      }
      points.push({ index, startMs: startTimeMs, durationMs });
    }
  }
  if (points.length === 0) return { x: [], slotMs: 1000, names, rate: [], p95: [] };
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const point of points) {
    first = Math.min(first, point.startMs);
    last = Math.max(last, point.startMs);
  }
  const slotMs = Math.max(1000, Math.ceil((last - first + 1) / MAX_POINTS / 1000) * 1000);
  const start = Math.floor(first / slotMs) * slotMs;
  const slots = Math.floor((last - start) / slotMs) + 1;
  const durations = names.map(() => Array.from({ length: slots }, () => [] as number[]));
  for (const point of points) {
    durations[point.index]![Math.floor((point.startMs - start) / slotMs)]!.push(point.durationMs);
  }
  return {
    x: Array.from({ length: slots }, (_, i) => (start + i * slotMs) / 1000),
    slotMs,
    names,
    rate: durations.map((perSlot) => perSlot.map((list) => list.length / (slotMs / 1000))),
    p95: durations.map((perSlot) =>
      perSlot.map((list) => {
        if (list.length === 0) return null;
        const sorted = Float64Array.from(list).sort();
        return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]!;
      }),
    ),
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

async function uplotAssets(): Promise<{ js: string; css: string }> {
  const require = createRequire(import.meta.url);
  const [js, css] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  ]);
  return { js, css };
}

const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #57606a; --grid: #d0d7de; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --grid: #30363d; } }
body { margin: 0 auto; max-width: 1100px; padding: 1rem 1.25rem; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, sans-serif; }
h1 { font-size: 1.2rem; } h2 { font-size: 1rem; margin-top: 1.5rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid var(--grid); }
thead th { color: var(--muted); font-weight: 500; }
.u-legend { color: var(--fg); }
`;

// Draws the two charts from the embedded data, with uPlot (inlined above it).
const DRAW = `
const data = JSON.parse(document.getElementById('series').textContent);
const colors = ['#0969da', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#1b7c83', '#57606a'];
const muted = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim();
const grid = getComputedStyle(document.documentElement).getPropertyValue('--grid').trim();
const axis = { stroke: muted, grid: { stroke: grid }, ticks: { stroke: grid } };
function chart(id, label, values) {
  const box = document.getElementById(id);
  new uPlot({
    width: Math.max(320, box.clientWidth), height: 240,
    series: [{}, ...data.names.map((name, i) => ({ label: name, stroke: colors[i % colors.length], width: 2, spanGaps: true }))],
    axes: [axis, Object.assign({ label }, axis)],
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
  }, [data.x, ...values], box);
}
if (data.x.length > 0) {
  chart('rate', 'spans/s', data.rate);
  chart('p95', 'p95 ms', data.p95);
}
`;

/** The report as one standalone HTML file: the summary table and per-name charts (uPlot inlined). */
export function renderHtmlReport(
  summary: SpanSummary,
  series: HtmlSeries,
  assets: { js: string; css: string },
): string {
  const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(0));
  const rows = summary.names
    .map(
      (row) =>
        `<tr><th scope="row">${escapeHtml(row.name)}</th><td>${row.count}</td><td>${(row.errorRate * 100).toFixed(1)} %</td><td>${ms(row.p50Ms)}</td><td>${ms(row.p95Ms)}</td><td>${ms(row.p99Ms)}</td><td>${ms(row.maxMs)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>x-telemetry report</title>
<style>${assets.css}${STYLE}</style>
</head>
<body>
<h1>x-telemetry report</h1>
<p class="muted">${summary.spans} spans from ${summary.files.map(escapeHtml).join(', ')}${summary.skippedLines ? ` (${summary.skippedLines} lines skipped)` : ''}; charts: the ${series.names.length} most frequent names, ${series.slotMs / 1000} s per point.</p>
<h2>Per name</h2>
<table>
<thead><tr><th scope="col">name</th><th scope="col">count</th><th scope="col">errors</th><th scope="col">p50 ms</th><th scope="col">p95 ms</th><th scope="col">p99 ms</th><th scope="col">max ms</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Spans per second</h2>
<div id="rate" role="img" aria-label="Spans per second per name"></div>
<h2>p95 duration</h2>
<div id="p95" role="img" aria-label="p95 duration per name"></div>
<script id="series" type="application/json">${scriptJson(series)}</script>
<script>${assets.js}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}

/** `x-telemetry report FILE --html OUT`: the summary and charts of a span file as HTML. */
export async function htmlReport(file: string): Promise<string> {
  const summary = await summarize(file);
  const files = summary.files;
  const names = summary.names.slice(0, CHARTED).map((row) => row.name);
  const [series, assets] = await Promise.all([spanSeries(files, names), uplotAssets()]);
  return renderHtmlReport(summary, series, assets);
}

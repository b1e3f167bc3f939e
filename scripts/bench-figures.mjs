#!/usr/bin/env node
/**
 * `pnpm docs:bench [--check]`: rewrites the benchmark figures of every README from
 * `benchmarks/results/<package>.json` (the committed full runs, never `results/quick/`).
 *
 * A README marks each generated region with a pair of comments:
 *
 *   <!-- bench-figures: cache match="DiskStore put" -->
 *   …generated…
 *   <!-- /bench-figures -->
 *
 * `cache` names the results file; `match` (optional) keeps the workloads whose name contains
 * that text. The region gets one line saying when and where the figures were measured, then one
 * table: each workload's contenders, ours first, with the median, the spread between rounds, how
 * many times better ours is, and the goal with its verdict (the same verdict as RESULTS.md).
 *
 * `--check` writes nothing and fails (exit 1) when a README differs from what its results give,
 * or names a results file or workload that does not exist. Run by CI next to `docs:config`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  escapeMarkdownCell,
  formatNs,
  formatRatio,
  formatValue,
} from '../benchmarks/src/format.ts';
import { checkGoal } from '../benchmarks/src/goals.ts';
import { formatSpread, formatVerdict } from '../benchmarks/src/report.ts';

const root = join(import.meta.dirname, '..');
const resultsDir = join(root, 'benchmarks', 'results');
const check = process.argv.includes('--check');

const BEGIN = /<!-- bench-figures:\s*([\w-]+)((?:\s+\w+="[^"]*")*)\s*-->/g;
const END = '<!-- /bench-figures -->';

/** Every README a figure may live in: the root one, the packages' and the apps'. */
function readmes() {
  const list = [join(root, 'README.md')];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const readme = join(base, name, 'README.md');
      if (existsSync(readme)) list.push(readme);
    }
  }
  return list;
}

const cache = new Map();
function results(pkg) {
  if (!cache.has(pkg)) {
    const file = join(resultsDir, `${pkg}.json`);
    if (!existsSync(file))
      throw new Error(`no results for "${pkg}": ${relative(root, file)} is missing`);
    const result = JSON.parse(readFileSync(file, 'utf8'));
    if (result.quick)
      throw new Error(`${relative(root, file)} holds a --quick run; run pnpm bench ${pkg}`);
    cache.set(pkg, result);
  }
  return cache.get(pkg);
}

function attributes(text) {
  const out = {};
  for (const [, key, value] of text.matchAll(/(\w+)="([^"]*)"/g)) out[key] = value;
  return out;
}

function contenders(w) {
  return [w.ours, ...Object.keys(w.results).filter((n) => n !== w.ours)].filter(
    (n) => w.results[n] !== undefined,
  );
}

/** The median, with the time per operation and the latency percentiles when measured. */
function figure(r, unit) {
  const extra = [];
  if (r.meanNs !== undefined) extra.push(formatNs(r.meanNs));
  if (r.p50Ns !== undefined) extra.push(`p50 ${formatNs(r.p50Ns)}`);
  if (r.p99Ns !== undefined) extra.push(`p99 ${formatNs(r.p99Ns)}`);
  return extra.length === 0
    ? formatValue(r.value, unit)
    : `${formatValue(r.value, unit)} (${extra.join(', ')})`;
}

/** The generated text of one region. */
export function render(result, { match } = {}) {
  const workloads = result.workloads.filter((w) => match === undefined || w.name.includes(match));
  if (workloads.length === 0) {
    throw new Error(`no workload of "${result.package}" has "${match}" in its name`);
  }
  const rounds = Math.max(
    ...workloads.flatMap((w) => Object.values(w.results).map((r) => r.rounds.length)),
  );
  const lines = [
    `Measured ${result.date.slice(0, 10)} on Node ${result.node} (${result.platform}), \`${result.cpu}\`; ` +
      `each figure is the median of ${rounds} rounds, contenders interleaved in one process ` +
      `(generated from \`benchmarks/results/${result.package}.json\` by \`pnpm docs:bench\`).`,
    '',
    '| workload | contender | median (time per op) | spread | ours vs it | goal |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const w of workloads) {
    const verdict = checkGoal(w);
    const goal = w.goal ? `${w.goal}: **${verdict ? formatVerdict(verdict) : 'not checked'}**` : '';
    for (const [i, name] of contenders(w).entries()) {
      const r = w.results[name];
      const cells = [
        i === 0 ? escapeMarkdownCell(w.name) : '',
        name === w.ours ? `**${escapeMarkdownCell(name)}**` : escapeMarkdownCell(name),
        figure(r, w.unit),
        formatSpread(r),
        name === w.ours ? '' : formatRatio(w.ratios[name]),
        i === 0 ? escapeMarkdownCell(goal) : '',
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** The README with every region regenerated. */
function regenerate(text, file) {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(BEGIN)) {
    if (m.index < at) continue;
    const bodyStart = m.index + m[0].length;
    const end = text.indexOf(END, bodyStart);
    if (end === -1) throw new Error(`${relative(root, file)}: "${m[0]}" has no ${END}`);
    const body = render(results(m[1]), attributes(m[2] ?? ''));
    out += `${text.slice(at, bodyStart)}\n\n${body}\n\n`;
    at = end;
  }
  return out + text.slice(at);
}

let stale = 0;
let regions = 0;
try {
  for (const file of readmes()) {
    const text = readFileSync(file, 'utf8');
    const count = [...text.matchAll(BEGIN)].length;
    if (count === 0) continue;
    regions += count;
    const next = regenerate(text, file);
    if (next === text) continue;
    stale++;
    if (check)
      console.error(`${relative(root, file)}: benchmark figures differ from benchmarks/results`);
    else {
      writeFileSync(file, next);
      console.log(`wrote ${relative(root, file)}`);
    }
  }
} catch (error) {
  console.error(`bench-figures: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
if (check && stale > 0) {
  console.error(`${stale} README(s) out of date: run pnpm docs:bench and commit the result`);
  process.exit(1);
}
console.log(
  check
    ? `bench-figures: ${regions} region(s) match benchmarks/results`
    : `bench-figures: ${regions} region(s), ${stale} README(s) rewritten`,
);

import { isAbsolute, relative } from 'node:path';
import { escapeMarkdownCell, escapeXml, formatNs, formatRatio, formatValue } from './format.js';
import { checkGoal, type GoalCheck, type GoalVerdict } from './goals.js';
import type { ContenderResult, PackageResult, WorkloadResult } from './types.js';

/** Said under every table of a quick run, whose figures are a smoke test. */
export const QUICK_NOTE =
  'quick mode: one short round at tiny sizes, so the spread is unknown, and figures, ratios and goal verdicts are not meaningful';

/** `±5%`, or `± n/a` after a single round, where the spread across rounds is unknown. */
export function formatSpread(r: ContenderResult): string {
  return r.rounds.length < 2 ? '± n/a' : `±${(r.spread * 100).toFixed(0)}%`;
}

/**
 * The goal's verdict in a few words: `met`, `MISSED: 0.48× cockatiel (needs ≥ 1.00×)`, or
 * `not checked: "O(log n) growth"`; the checked parts are listed when only some could be. A
 * workload that judged its goal itself (`meetsGoal`) misses with what was measured against what
 * was needed, and the parts only it could judge: `MISSED: 470 workflows/s (needs ≥ 600
 * workflows/s); judged by the workload: "all succeeding"`.
 */
export function formatVerdict(verdict: GoalVerdict): string {
  const missed = verdict.checks.filter((c) => !c.met);
  const unread = verdict.unchecked.map((c) => `"${c}"`).join(', ');
  const measured = (checks: GoalCheck[]) =>
    checks.map((c) => `${c.actual} (needs ${c.needed})`).join('; ');
  if (verdict.status === 'missed' && verdict.byWorkload) {
    // The workload's verdict: the misses the harness can see, else every figure it read.
    const shown = measured(missed.length > 0 ? missed : verdict.checks);
    const judged = unread ? `judged by the workload: ${unread}` : '';
    const parts = [shown, judged].filter(Boolean).join('; ');
    return parts ? `MISSED: ${parts}` : 'MISSED (judged by the workload)';
  }
  if (verdict.status === 'missed') return `MISSED: ${measured(missed)}`;
  if (verdict.status === 'met') return 'met';
  if (verdict.checks.length === 0) return `not checked: ${unread}`;
  const met = verdict.checks.map((c) => `${c.actual} (${c.needed})`).join('; ');
  return `met where checked: ${met}; not checked: ${unread}`;
}

/** Plain-text table for the terminal: one row per contender, ours first. */
export function consoleTable(result: PackageResult): string {
  const lines: string[] = [];
  for (const w of result.workloads) {
    lines.push(`  ${w.name}`);
    const verdict = checkGoal(w);
    if (w.goal && verdict) {
      const quick = result.quick ? ' (quick figures)' : '';
      lines.push(`    goal: ${w.goal} — ${formatVerdict(verdict)}${quick}`);
    }
    for (const name of contenderOrder(w)) {
      const r = w.results[name]!;
      const ratio = name === w.ours ? 'ours' : `ours is ${formatRatio(w.ratios[name])}`;
      const latency =
        r.p50Ns !== undefined ? `  p50 ${formatNs(r.p50Ns)}  p99 ${formatNs(r.p99Ns)}` : '';
      lines.push(
        `    ${name.padEnd(28)} ${formatValue(r.value, w.unit).padStart(16)}  ${formatSpread(r).padStart(5)}  ${ratio}${latency}`,
      );
    }
  }
  if (result.quick) lines.push(`  (${QUICK_NOTE})`);
  return lines.join('\n');
}

function contenderOrder(w: WorkloadResult): string[] {
  return [w.ours, ...Object.keys(w.results).filter((n) => n !== w.ours)].filter(
    (n) => w.results[n] !== undefined,
  );
}

const BAR_HEIGHT = 18;
const BAR_GAP = 4;
const GROUP_GAP = 16;
const TITLE_HEIGHT = 22;
const LABEL_WIDTH = 230;
const BAR_AREA = 380;
const WIDTH = LABEL_WIDTH + BAR_AREA + 150;

/**
 * A horizontal bar chart per workload: each bar is the contender's figure relative to the best one
 * in that workload (so "lower is better" units are inverted), ours in a distinct colour.
 */
export function svgChart(result: PackageResult): string {
  const parts: string[] = [];
  let y = 30;
  for (const w of result.workloads) {
    const names = contenderOrder(w);
    const scores = names.map((n) => {
      const v = w.results[n]!.value;
      return w.better === 'higher' ? v : v > 0 ? 1 / v : 0;
    });
    const best = Math.max(...scores.filter(Number.isFinite), Number.MIN_VALUE);
    parts.push(
      `<text x="8" y="${y + 14}" font-weight="bold">${escapeXml(w.name)} (${escapeXml(w.unit)}, ${w.better} is better)</text>`,
    );
    y += TITLE_HEIGHT;
    names.forEach((name, i) => {
      const r = w.results[name]!;
      const length = Math.max(1, Math.round((scores[i]! / best) * BAR_AREA));
      const colour = name === w.ours ? '#2563eb' : '#9ca3af';
      const label = name === w.ours ? name : `${name} (ours ${formatRatio(w.ratios[name])})`;
      parts.push(
        `<text x="${LABEL_WIDTH - 6}" y="${y + 13}" text-anchor="end">${escapeXml(label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${length}" height="${BAR_HEIGHT}" fill="${colour}"/>`,
        `<text x="${LABEL_WIDTH + length + 6}" y="${y + 13}">${escapeXml(formatValue(r.value, w.unit))}</text>`,
      );
      y += BAR_HEIGHT + BAR_GAP;
    });
    y += GROUP_GAP;
  }
  const title = `@x/${result.package} vs anchors — Node ${result.node}, ${result.date.slice(0, 10)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<text x="8" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** RESULTS.md: every package's saved run, as tables and a link to its chart. */
export function resultsMarkdown(results: readonly PackageResult[]): string {
  const out: string[] = [
    '# Benchmark results',
    '',
    'Generated by `pnpm bench` from `benchmarks/results/*.json`; do not edit by hand.',
    'Each workload runs our package and its anchors in one process, interleaved over rounds;',
    'figures are medians over rounds, "±" is the spread across rounds, and the ratio says how many',
    'times better ours is (above 1× ours wins). The machine is shared and noisy: read ratios, not',
    'absolute numbers. Re-run one package with `pnpm bench <package>`.',
    '',
  ];
  for (const r of [...results].sort((a, b) => a.package.localeCompare(b.package))) {
    out.push(`## @x/${r.package}`, '');
    if (r.description) out.push(r.description, '');
    if (r.quick) out.push(`**${QUICK_NOTE[0]!.toUpperCase()}${QUICK_NOTE.slice(1)}.**`, '');
    out.push(
      `Measured ${r.date.slice(0, 10)} on Node ${r.node}, ${r.platform}, ${r.cpu}.`,
      '',
      '| workload | contender | figure | spread | ours vs it | p50 / p99 | goal |',
      '|---|---|---:|---:|---:|---:|---|',
    );
    for (const w of r.workloads) {
      for (const name of contenderOrder(w)) {
        const c = w.results[name]!;
        const isOurs = name === w.ours;
        const latency = c.p50Ns !== undefined ? `${formatNs(c.p50Ns)} / ${formatNs(c.p99Ns)}` : '';
        const verdict = isOurs ? checkGoal(w) : undefined;
        const goal =
          isOurs && w.goal && verdict
            ? escapeMarkdownCell(`${w.goal} — ${formatVerdict(verdict)}`)
            : '';
        out.push(
          `| ${isOurs ? escapeMarkdownCell(w.name) : ''} | ${isOurs ? `**${escapeMarkdownCell(name)}**` : escapeMarkdownCell(name)} | ${formatValue(c.value, w.unit)} | ${c.rounds.length < 2 ? 'n/a' : formatSpread(c)} | ${isOurs ? '' : formatRatio(w.ratios[name])} | ${latency} | ${goal} |`,
        );
      }
    }
    out.push('', `![@x/${r.package} chart](results/${r.package}.svg)`, '');
  }
  return out.join('\n');
}

/** The closing lines of a run: every file it wrote, relative to `base` when inside it. */
export function writtenFiles(paths: readonly string[], base: string): string {
  const shown = paths.map((p) => {
    const rel = relative(base, p);
    return rel.startsWith('..') || isAbsolute(rel) ? p : rel;
  });
  return ['Results written to:', ...shown.map((p) => `  ${p}`)].join('\n');
}

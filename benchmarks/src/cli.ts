#!/usr/bin/env node
/**
 * `pnpm bench [package...] [--quick] [--save FILE] [--compare FILE [--fail-over 20%]]`
 *
 * Runs every suite in src/suites (or the named ones), prints each workload with ours vs the anchors,
 * the ratio and whether its goal was met, writes results/<package>.json, results/<package>.svg and
 * regenerates RESULTS.md, and ends by listing the files it wrote. `--quick` is the CI smoke mode:
 * tiny sizes, one short round (so no spread: `± n/a`), output under results/quick/ so the
 * committed figures are never replaced by smoke numbers.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compareRuns, parseBaseline, parseThreshold, type SavedRun } from './compare.js';
import { formatValue } from './format.js';
import { FULL, measureWorkload, QUICK } from './measure.js';
import { createProgress } from './progress.js';
import { consoleTable, resultsMarkdown, svgChart, writtenFiles } from './report.js';
import type { PackageResult, Suite } from './types.js';

const root = join(import.meta.dirname, '..');
/** The repository root: written files are named relative to it. */
const repoRoot = join(root, '..');
const suitesDir = join(root, 'src', 'suites');

function availableSuites(): string[] {
  return readdirSync(suitesDir)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('.') && !f.startsWith('_'))
    .map((f) => basename(f, '.ts'))
    .sort();
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      save: { type: 'string' },
      compare: { type: 'string' },
      'fail-over': { type: 'string', default: '20%' },
      rounds: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const known = availableSuites();
  if (values.help) {
    console.log(
      `usage: pnpm bench [${known.join('|')}...] [--quick] [--rounds N] [--save FILE] [--compare FILE] [--fail-over 20%]`,
    );
    return 0;
  }
  const unknown = positionals.filter((p) => !known.includes(p));
  if (unknown.length > 0) {
    console.error(`unknown package(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const threshold = parseThreshold(values['fail-over']);
  const baseline = values.compare
    ? parseBaseline(JSON.parse(readFileSync(values.compare, 'utf8')))
    : undefined;

  const quick = values.quick;
  const base = quick ? QUICK : FULL;
  const rounds = values.rounds ? Number(values.rounds) : base.rounds;
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`--rounds: expected a whole number >= 1, got "${values.rounds}"`);
    return 2;
  }
  const outDir = quick ? join(root, 'results', 'quick') : join(root, 'results');
  mkdirSync(outDir, { recursive: true });

  const progress = createProgress(process.stderr);
  const run: SavedRun = { packages: [] };
  const written: string[] = [];
  const selected = positionals.length > 0 ? positionals : known;
  for (const name of selected) {
    const suite = (await import(pathToFileURL(join(suitesDir, `${name}.ts`)).href))
      .default as Suite;
    const ctx = { quick };
    const workloads = await suite.workloads(ctx);
    const result: PackageResult = {
      package: suite.package,
      date: new Date().toISOString(),
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      cpu: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
      quick,
      workloads: [],
    };
    if (suite.description) result.description = suite.description;
    try {
      for (const [i, workload] of workloads.entries()) {
        const prefix = `[${suite.package} ${i + 1}/${workloads.length}]`;
        result.workloads.push(
          await measureWorkload(
            workload,
            { ...base, rounds, onProgress: (m) => progress.update(`${prefix} ${m}`) },
            ctx,
          ),
        );
      }
    } finally {
      await suite.teardown?.();
      progress.clear();
    }
    console.log(`\n@x/${suite.package}`);
    console.log(consoleTable(result));
    const json = join(outDir, `${suite.package}.json`);
    const svg = join(outDir, `${suite.package}.svg`);
    writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(svg, svgChart(result));
    written.push(json, svg);
    run.packages.push(result);
  }

  const saved = readdirSync(outDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(outDir, f), 'utf8')) as PackageResult);
  const markdown = join(quick ? outDir : root, 'RESULTS.md');
  writeFileSync(markdown, resultsMarkdown(saved));
  written.push(markdown);
  if (values.save) {
    writeFileSync(values.save, `${JSON.stringify(run, null, 2)}\n`);
    written.push(resolve(values.save));
  }
  console.log(`\n${writtenFiles(written, repoRoot)}`);

  if (baseline) {
    const rows = compareRuns(run, baseline, threshold);
    console.log(
      `\nCompared with ${values.compare} (fail over ${(threshold * 100).toFixed(0)}% worse):`,
    );
    for (const r of rows) {
      console.log(
        `  ${r.failed ? 'FAIL' : 'ok  '} ${r.package} · ${r.workload}: ${formatValue(r.baseline, r.unit)} → ${formatValue(r.current, r.unit)} (${(Math.abs(r.regression) * 100).toFixed(1)}% ${r.regression > 0 ? 'worse' : 'better'})`,
      );
    }
    if (rows.length === 0) console.log('  no workload in common with the baseline');
    if (rows.some((r) => r.failed)) return 1;
  }
  return 0;
}

process.exitCode = await main();

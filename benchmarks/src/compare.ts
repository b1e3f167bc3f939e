import type { PackageResult } from './types.js';

/** A saved run: what `--save FILE` writes, and what `--compare FILE` reads. */
export interface SavedRun {
  packages: PackageResult[];
}

export interface Comparison {
  package: string;
  workload: string;
  contender: string;
  unit: string;
  baseline: number;
  current: number;
  /** How much slower (worse) than the baseline, as a fraction: 0.25 = 25% worse; negative = better. */
  regression: number;
  failed: boolean;
}

/** Accepts a saved run, or one package's results file, so either can serve as a baseline. */
export function parseBaseline(json: unknown): SavedRun {
  if (typeof json === 'object' && json !== null) {
    if (Array.isArray((json as SavedRun).packages)) return json as SavedRun;
    if (Array.isArray((json as PackageResult).workloads))
      return { packages: [json as PackageResult] };
  }
  throw new TypeError(
    'baseline: expected a file written by `pnpm bench --save FILE` or a benchmarks/results/<package>.json',
  );
}

/** Parses `20%` or `20` into 0.2; rejects anything that is not a non-negative percentage. */
export function parseThreshold(text: string): number {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  if (!match) throw new RangeError(`--fail-over: expected a percentage such as 20%, got "${text}"`);
  return Number(match[1]) / 100;
}

/**
 * Compares our contender in every workload present in both runs, as pytest-benchmark's compare
 * does: a workload fails when ours got worse than the baseline by more than `threshold`.
 */
export function compareRuns(
  current: SavedRun,
  baseline: SavedRun,
  threshold: number,
): Comparison[] {
  const rows: Comparison[] = [];
  for (const pkg of current.packages) {
    const base = baseline.packages.find((b) => b.package === pkg.package);
    if (!base) continue;
    for (const w of pkg.workloads) {
      const bw = base.workloads.find((x) => x.name === w.name);
      const now = w.results[w.ours];
      const then = bw?.results[w.ours];
      if (!bw || !now || !then) continue;
      const regression =
        w.better === 'higher'
          ? (then.value - now.value) / then.value
          : (now.value - then.value) / then.value;
      rows.push({
        package: pkg.package,
        workload: w.name,
        contender: w.ours,
        unit: w.unit,
        baseline: then.value,
        current: now.value,
        regression,
        failed: regression > threshold,
      });
    }
  }
  return rows;
}

import type {
  BenchContext,
  Contender,
  ContenderResult,
  MetricWorkload,
  ThroughputWorkload,
  Workload,
  WorkloadResult,
} from './types.js';

/** How long each contender runs per round, and how many rounds; quick mode is the CI smoke. */
export interface MeasureOptions {
  rounds: number;
  /** Timed run per contender per round. */
  timeMs: number;
  /** Untimed run per contender per round before timing, to let the JIT settle. */
  warmupMs: number;
  /** Called as work progresses, for the progress display. */
  onProgress?: (message: string) => void;
}

export const FULL: Omit<MeasureOptions, 'onProgress'> = { rounds: 5, timeMs: 400, warmupMs: 100 };
export const QUICK: Omit<MeasureOptions, 'onProgress'> = { rounds: 1, timeMs: 15, warmupMs: 5 };

/** The most latency samples one contender keeps per round (bounded memory). */
const MAX_SAMPLES = 200_000;

const nowNs = (): bigint => process.hrtime.bigint();

interface RoundFigures {
  opsPerSec: number;
  meanNs: number;
  samples?: number[];
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs `contender.run` for `durationMs`: calls are made in batches whose size doubles until a batch
 * takes about a millisecond, so the clock is read rarely on fast operations.
 */
async function runFor(
  contender: Contender,
  durationMs: number,
  latency: boolean,
): Promise<RoundFigures> {
  const opsPerRun = contender.opsPerRun ?? 1;
  const first = contender.run();
  const isAsync = isThenable(first);
  if (isAsync) await first;

  const budgetNs = BigInt(Math.max(1, Math.round(durationMs * 1e6)));
  const samples: number[] | undefined = latency ? [] : undefined;
  let runs = 0;
  let batch = 1;
  const start = nowNs();
  let elapsed = 0n;
  while (elapsed < budgetNs) {
    const batchStart = nowNs();
    if (samples) {
      for (let i = 0; i < batch; i++) {
        const t0 = nowNs();
        const r = contender.run();
        if (isAsync) await r;
        if (samples.length < MAX_SAMPLES) samples.push(Number(nowNs() - t0) / opsPerRun);
      }
    } else if (isAsync) {
      for (let i = 0; i < batch; i++) await contender.run();
    } else {
      for (let i = 0; i < batch; i++) contender.run();
    }
    runs += batch;
    const now = nowNs();
    if (now - batchStart < 1_000_000n && batch < 1 << 20) batch *= 2;
    elapsed = now - start;
  }
  const ops = runs * opsPerRun;
  const seconds = Number(elapsed) / 1e9;
  const result: RoundFigures = { opsPerSec: ops / seconds, meanNs: Number(elapsed) / ops };
  if (samples) result.samples = samples;
  return result;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sortedValues: readonly number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const index = Math.min(sortedValues.length - 1, Math.ceil((p / 100) * sortedValues.length) - 1);
  return sortedValues[Math.max(0, index)]!;
}

function spreadOf(values: readonly number[]): number {
  const m = median(values);
  if (!(m > 0) || values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / m;
}

/**
 * How many times better ours is than `theirs`: above 1 means ours wins, whichever way the unit
 * points.
 */
export function ratioOf(ours: number, theirs: number, better: 'higher' | 'lower'): number {
  return better === 'higher' ? ours / theirs : theirs / ours;
}

function ratiosFor(
  ours: string,
  results: Record<string, ContenderResult>,
  better: 'higher' | 'lower',
): Record<string, number> {
  const ratios: Record<string, number> = {};
  const mine = results[ours];
  if (!mine) return ratios;
  for (const [name, r] of Object.entries(results)) {
    if (name !== ours) ratios[name] = ratioOf(mine.value, r.value, better);
  }
  return ratios;
}

/** Rotates the list so each round starts with a different contender (no fixed-order bias). */
function rotated<T>(items: readonly T[], by: number): T[] {
  const k = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

async function measureThroughput(
  workload: ThroughputWorkload,
  options: MeasureOptions,
): Promise<WorkloadResult> {
  const perContender = new Map<string, RoundFigures[]>(
    workload.contenders.map((c) => [c.name, [] as RoundFigures[]]),
  );
  for (let round = 0; round < options.rounds; round++) {
    for (const contender of rotated(workload.contenders, round)) {
      options.onProgress?.(
        `${workload.name} · round ${round + 1}/${options.rounds} · ${contender.name}`,
      );
      await contender.setup?.();
      try {
        await runFor(contender, options.warmupMs, false);
        perContender
          .get(contender.name)!
          .push(await runFor(contender, options.timeMs, workload.latency ?? false));
      } finally {
        await contender.teardown?.();
      }
    }
  }
  const results: Record<string, ContenderResult> = {};
  for (const [name, rounds] of perContender) {
    const rates = rounds.map((r) => r.opsPerSec);
    const result: ContenderResult = {
      value: median(rates),
      meanNs: median(rounds.map((r) => r.meanNs)),
      spread: spreadOf(rates),
      rounds: rates,
    };
    if (workload.latency) {
      const all = rounds.flatMap((r) => r.samples ?? []).sort((a, b) => a - b);
      result.p50Ns = percentile(all, 50);
      result.p99Ns = percentile(all, 99);
    }
    results[name] = result;
  }
  const out: WorkloadResult = {
    name: workload.name,
    ours: workload.ours,
    unit: 'ops/s',
    better: 'higher',
    results,
    ratios: ratiosFor(workload.ours, results, 'higher'),
  };
  return withGoal(out, workload);
}

async function measureMetric(
  workload: MetricWorkload,
  options: MeasureOptions,
  ctx: BenchContext,
): Promise<WorkloadResult> {
  const perContender = new Map<string, number[]>();
  for (let round = 0; round < options.rounds; round++) {
    options.onProgress?.(`${workload.name} · round ${round + 1}/${options.rounds}`);
    const figures = await workload.measure(ctx);
    for (const [name, value] of Object.entries(figures)) {
      const list = perContender.get(name) ?? [];
      list.push(value);
      perContender.set(name, list);
    }
  }
  const results: Record<string, ContenderResult> = {};
  for (const [name, values] of perContender) {
    results[name] = { value: median(values), spread: spreadOf(values), rounds: values };
  }
  const out: WorkloadResult = {
    name: workload.name,
    ours: workload.ours,
    unit: workload.unit,
    better: workload.better,
    results,
    ratios: ratiosFor(workload.ours, results, workload.better),
  };
  return withGoal(out, workload);
}

function withGoal(out: WorkloadResult, workload: Workload): WorkloadResult {
  if (workload.goal) out.goal = workload.goal;
  if (workload.meetsGoal) out.goalMet = workload.meetsGoal(out);
  return out;
}

export function measureWorkload(
  workload: Workload,
  options: MeasureOptions,
  ctx: BenchContext,
): Promise<WorkloadResult> {
  return workload.kind === 'metric'
    ? measureMetric(workload, options, ctx)
    : measureThroughput(workload, options);
}

/**
 * The shapes a benchmark suite is written in. A suite lives in `src/suites/<package>.ts` and
 * default-exports `defineSuite({...})`; `pnpm bench [<package>...]` finds it by its file name.
 */

/** Context handed to a suite: `quick` is the CI smoke mode (tiny sizes, one round). */
export interface BenchContext {
  readonly quick: boolean;
}

/** One implementation of a workload: ours or an anchor. */
export interface Contender {
  /** Shown in tables and charts, e.g. `'@x/breaker'`, `'opossum'`. */
  name: string;
  /** One operation; sync or async (a returned promise is awaited before the next call). */
  run: () => unknown;
  /** How many operations one `run()` performs, for batch workloads. @default 1 */
  opsPerRun?: number;
  /** Untimed preparation before each round of this contender. */
  setup?: () => unknown;
  /** Untimed clean-up after each round of this contender. */
  teardown?: () => unknown;
}

/** A throughput workload: every contender runs the same operation, interleaved over rounds. */
export interface ThroughputWorkload {
  kind?: 'throughput';
  name: string;
  /** The name of our contender; ratios are ours ÷ each anchor. */
  ours: string;
  contenders: Contender[];
  /** Also time every call and report p50/p99 latency (costs ~40 ns a call). @default false */
  latency?: boolean;
  /**
   * The goal from the issue, in words, shown beside the figures with met or missed. The harness
   * reads goals such as `at least 3x opossum`, `within 10% of lru-cache`, `under 10 µs per step`
   * or `p99 latency under 50 µs`; prose it cannot read is shown as not checked, unless the
   * workload decides it with `meetsGoal`.
   */
  goal?: string;
  /** Decides the goal from the figures, where the words of `goal` are not enough. */
  meetsGoal?: (result: WorkloadResult) => boolean;
}

/**
 * A figure that is not a rate: a makespan, a hit rate, a scaling row. `measure` runs once per
 * round and returns one number per contender.
 */
export interface MetricWorkload {
  kind: 'metric';
  name: string;
  ours: string;
  /** Unit of the returned numbers, e.g. `'ms'`, `'%'`, `'µs/step'`. */
  unit: string;
  /** Whether a higher number is the better one (hit rate) or a lower one (makespan). */
  better: 'higher' | 'lower';
  measure: (ctx: BenchContext) => Promise<Record<string, number>> | Record<string, number>;
  /** As for throughput workloads. */
  goal?: string;
  meetsGoal?: (result: WorkloadResult) => boolean;
}

export type Workload = ThroughputWorkload | MetricWorkload;

export interface Suite {
  /** The package directory name: `'breaker'`, `'cache'`, … */
  package: string;
  /** A sentence shown above the package's tables. */
  description?: string;
  workloads: (ctx: BenchContext) => Promise<Workload[]> | Workload[];
  /** Called once after all workloads ran (close servers, remove temp dirs). */
  teardown?: () => unknown;
}

export function defineSuite(suite: Suite): Suite {
  return suite;
}

/** One contender's figures in one workload (medians over rounds). */
export interface ContenderResult {
  /** ops/s for throughput workloads; the metric's value otherwise. */
  value: number;
  /** Mean time per operation, ns (throughput only). */
  meanNs?: number;
  p50Ns?: number;
  p99Ns?: number;
  /** Relative spread across rounds: (max - min) / median; 0, and unknown, with one round. */
  spread: number;
  rounds: number[];
}

export interface WorkloadResult {
  name: string;
  ours: string;
  unit: string;
  better: 'higher' | 'lower';
  goal?: string;
  /** The workload's own `meetsGoal` verdict, when it has one. */
  goalMet?: boolean;
  results: Record<string, ContenderResult>;
  /** For each anchor: how many times better ours is (>1 means ours wins). */
  ratios: Record<string, number>;
}

export interface PackageResult {
  package: string;
  description?: string;
  date: string;
  node: string;
  platform: string;
  cpu: string;
  quick: boolean;
  workloads: WorkloadResult[];
}

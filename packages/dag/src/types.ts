import type { Clock } from './clock.js';

/** When a step runs, given how its dependencies ended. */
export type TriggerRule =
  /** Runs only if every dependency succeeded; otherwise it is skipped. */
  | 'all-success'
  /** Runs once every dependency has settled, whatever the outcome: for clean-up steps. */
  | 'all-done';

/** How a retry wait is drawn from its cap: `'full'` = uniformly in [0, cap), `'none'` = the cap. */
export type Jitter = 'full' | 'none';

/** What a step is doing or how it ended. */
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** How a step ended: `cancelled` means it was running when the run was aborted. */
export type StepOutcome = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** How a run ended. */
export type RunStatus = 'succeeded' | 'failed' | 'cancelled';

/** What a step function receives besides its dependencies' outputs. */
export interface StepContext {
  readonly stepId: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** Fires when this attempt times out, failFast stops the run, or the run's signal fires. */
  readonly signal: AbortSignal;
  /** How each dependency ended; useful to `all-done` steps whose dependencies may have failed. */
  readonly dependencies: Readonly<Record<string, StepOutcome>>;
}

/**
 * A step's work. `inputs` maps each dependency's id to its output (absent for a dependency that
 * did not succeed, which only an `all-done` step sees). The returned value, or what the returned
 * promise resolves to, is the step's output.
 */
export type StepRun = (inputs: Readonly<Record<string, unknown>>, context: StepContext) => unknown;

export interface StepOptions {
  /**
   * Ids of the steps that must settle before this one runs; their outputs are its inputs.
   * @default []
   */
  needs?: readonly string[];
  /**
   * Attempts in all, the first one included: `1` never retries, `3` retries a failure up to
   * twice. An integer from 1 to 100.
   * @default 1
   */
  maxAttempts?: number;
  /**
   * The cap of the first retry wait, in milliseconds; each further cap is `multiplier` times
   * the previous one.
   * @default 100
   */
  baseDelayMs?: number;
  /**
   * No retry wait is longer than this, in milliseconds.
   * @default 30_000
   */
  maxDelayMs?: number;
  /**
   * How much the cap of the retry wait grows per attempt; a finite number >= 1.
   * @default 2
   */
  multiplier?: number;
  /**
   * `'full'` waits a uniformly random time between 0 and the cap (so steps, or runs, that
   * failed together do not retry in lockstep); `'none'` waits the cap itself.
   * @default 'full'
   */
  jitter?: Jitter;
  /**
   * Whether a failed attempt (`attempt` = 1 for the first) is worth another one; a timeout counts
   * as a failure too. A predicate that throws counts as `false`.
   * @default () => true
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
  /**
   * Time limit of each attempt. When it passes, the attempt's signal fires and the attempt
   * fails with `StepTimeoutError` (and is retried if attempts remain).
   * @default undefined (no limit)
   */
  timeoutMs?: number;
  /**
   * When the step runs, given how its dependencies ended.
   * @default 'all-success'
   */
  trigger?: TriggerRule;
  /**
   * Relative cost of the step, used only to rank ready steps: the one with the longest
   * remaining path (sum of weights down to the end of the graph) starts first.
   * @default 1
   */
  weight?: number;
}

/** Options a scheduler receives with each attempt; p-queue's `add` options have this shape. */
export interface SchedulerAddOptions {
  /** Higher runs first: the step's longest remaining path. */
  readonly priority?: number;
  /** The run's signal, so a queued attempt is dropped when the run is aborted. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Anything shaped like p-queue's `add(fn, options)`: a p-queue, @x/scheduler's `Scheduler`,
 * or your own. Each attempt of a step is one `add` call; retries wait outside the scheduler.
 */
export interface SchedulerLike {
  // Not generic on purpose: p-queue's `add<T>` infers T from a union of task shapes, which a
  // generic signature here would fail to match; `unknown` accepts every implementation.
  add(
    fn: (options: { readonly signal?: AbortSignal | undefined }) => PromiseLike<unknown>,
    options?: SchedulerAddOptions,
  ): PromiseLike<unknown>;
}

/** One event of a run, given to `onStep`. */
export interface StepEvent {
  readonly type: 'started' | 'succeeded' | 'failed' | 'retrying' | 'skipped' | 'cancelled';
  readonly stepId: string;
  /** The attempt the event is about (0 for a step skipped before it started). */
  readonly attempt: number;
  /** Clock time of the event, ms. */
  readonly timeMs: number;
  readonly output?: unknown;
  /** The error of a failed attempt (`failed`, `retrying`) or of a cancellation. */
  readonly error?: unknown;
  /** `retrying`: how long until the next attempt. */
  readonly delayMs?: number;
  /** `skipped`: why. */
  readonly reason?: string;
}

export interface RunOptions {
  /**
   * How many steps may run at once (a step waiting out a retry delay still holds its place).
   * @default Infinity
   */
  concurrency?: number;
  /** Aborts the run: running steps are cancelled, the rest skipped, the result is `cancelled`. */
  signal?: AbortSignal;
  /**
   * On the first step failure (after its retries), abort the running steps and skip the rest.
   * @default false
   */
  failFast?: boolean;
  /**
   * Runs each attempt through `scheduler.add(fn, { priority, signal })`, e.g. a p-queue or
   * @x/scheduler, so steps share its concurrency with other work.
   * @default undefined (attempts run directly)
   */
  scheduler?: SchedulerLike;
  /** Called for every step event; errors it throws are ignored so they cannot break the run. */
  onStep?: (event: StepEvent) => void;
  /**
   * Time source and timers for timeouts, retry delays and timings.
   * @default systemClock (Date.now and Node's timers, all cleared when the run ends)
   */
  clock?: Clock;
  /**
   * Uniform random numbers in [0, 1), for the `'full'` jitter of retry waits; seed one in tests.
   * @default Math.random
   */
  random?: () => number;
}

/** How one step ended. */
export interface StepResult {
  readonly id: string;
  readonly status: StepOutcome;
  /** The step's output, when it succeeded. */
  readonly output?: unknown;
  /** The last attempt's error when it failed; the cancellation reason when it was cancelled. */
  readonly error?: unknown;
  /** Attempts started (0 for a skipped step). */
  readonly attempts: number;
  /** Clock time the first attempt started, ms. */
  readonly startedAt?: number;
  /** From the first attempt's start to the end, retry delays included, ms. */
  readonly durationMs?: number;
  /** Why the step was skipped. */
  readonly skipReason?: string;
  /** The dependency whose outcome caused the skip, when one did. */
  readonly blockedBy?: string;
}

/** How a run ended. */
export interface RunResult {
  /** `cancelled` if the signal fired; else `failed` if a step failed; else `succeeded`. */
  readonly status: RunStatus;
  /** Every step, by id. */
  readonly steps: Readonly<Record<string, StepResult>>;
  /** The first step failure, or the cancellation reason. */
  readonly error?: unknown;
  /** Clock time the run started, ms since the epoch. */
  readonly startedAt: number;
  /** From start to end of the run, ms. */
  readonly durationMs: number;
  /**
   * The longest chain of step durations (`StepResult.durationMs`, retry waits included) through
   * the dependency graph, counting only steps that ran: the least time the run could have taken
   * with unbounded concurrency. Equal to `durationMs` when nothing waited for a slot.
   */
  readonly criticalPathMs: number;
}

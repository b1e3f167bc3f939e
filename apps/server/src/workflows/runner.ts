import {
  type Clock,
  type DefinitionError,
  isDagError,
  type ParameterError,
  type RunResult,
  type SchedulerLike,
  type StepDefinition,
  type StepEvent,
  type StepOutcome,
  Workflow,
} from '@x/dag';
import type { ClientChannel, TraceContext } from '../catalog/index.js';
import { errorCode, errorMessage, InvalidWorkflowError } from '../errors.js';
import type { Dispatcher } from '../pipeline/index.js';
import { splitAction, toDagStep, type WorkflowStep } from './definition.js';
import type { TemplateLibrary } from './templates.js';

/** What `workflow_run` takes: inline steps, or a template and its params. */
export interface WorkflowRunInput {
  steps?: WorkflowStep[] | undefined;
  template?: string | undefined;
  params?: Record<string, unknown> | undefined;
  /** Steps running at once in this run. @default unbounded (the shared step scheduler still bounds it) */
  maxConcurrency?: number | undefined;
  /** Stop at the first failed step: running steps are cancelled, the rest skipped. @default false */
  failFast?: boolean | undefined;
}

export interface WorkflowStepReport {
  id: string;
  category: string;
  tool: string;
  status: StepOutcome;
  /** The tool's result, when the step succeeded; later steps reference it as `${steps.<id>.output}`. */
  output?: unknown;
  error?: { code: string; message: string };
  attempts: number;
  /** Start of the first attempt, ms after the run started. */
  startMs?: number;
  durationMs?: number;
  skipReason?: string;
}

export interface WorkflowReport {
  status: RunResult['status'];
  template?: string;
  steps: WorkflowStepReport[];
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
  durationMs: number;
  /** The longest chain of step durations through the graph: the least the run could take. */
  criticalPathMs: number;
  /** The run's graph, coloured by step status. */
  mermaid: string;
}

export interface WorkflowRunnerOptions {
  dispatcher: Dispatcher;
  templates: TemplateLibrary;
  /** Every step attempt of every run goes through it (`@x/scheduler`), critical path first. */
  scheduler?: SchedulerLike;
  /** Whether a category exists, to refuse a workflow naming an unknown one before it runs. */
  hasCategory: (category: string) => boolean;
  /** Timings, timeouts and retry delays of runs. @default @x/dag's system clock */
  clock?: Clock;
}

export interface WorkflowRunnerStats {
  runs: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  rejected: number;
  steps: number;
}

const FINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/** Runs DAGs of dispatch calls on @x/dag: each step is one call through the dispatcher. */
export class WorkflowRunner {
  readonly #options: WorkflowRunnerOptions;
  readonly #listeners: Array<(report: WorkflowReport) => void> = [];
  readonly #stats: WorkflowRunnerStats = {
    runs: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    rejected: 0,
    steps: 0,
  };

  /** The run options every run shares: the step scheduler and the clock. */
  readonly #runOptions: { scheduler?: SchedulerLike; clock?: Clock };

  constructor(options: WorkflowRunnerOptions) {
    this.#options = options;
    const { scheduler, clock } = options;
    this.#runOptions = {
      ...(scheduler ? { scheduler: withoutSignal(scheduler) } : {}),
      ...(clock ? { clock } : {}),
    };
  }

  async #definition(input: WorkflowRunInput): Promise<StepDefinition[]> {
    if ((input.steps === undefined) === (input.template === undefined)) {
      throw new InvalidWorkflowError(['give either "steps" or "template" (with "params")']);
    }
    if (input.template !== undefined) {
      const template = await this.#options.templates.get(input.template);
      try {
        return template.instantiate(input.params ?? {}).steps;
      } catch (error) {
        // Matched by code, not instanceof: two copies of @x/dag may be installed.
        if (isDagError(error, 'ERR_DAG_INVALID_PARAMETERS')) {
          throw invalid((error as ParameterError).problems);
        }
        throw error;
      }
    }
    if (input.params !== undefined) {
      throw new InvalidWorkflowError([
        '"params" goes with "template"; inline steps carry their own',
      ]);
    }
    return input.steps!.map(toDagStep);
  }

  #build(steps: StepDefinition[], trace?: TraceContext, client?: ClientChannel): Workflow {
    const dispatchOptions = trace || client ? { trace, client } : undefined;
    const problems: string[] = [];
    for (const step of steps) {
      const { category } = splitAction(step.uses);
      if (!this.#options.hasCategory(category)) {
        problems.push(`step "${step.id}" names unknown category "${category}"`);
      }
    }
    const { dispatcher } = this.#options;
    try {
      const workflow = Workflow.fromJSON({ steps }, (uses) => {
        const { category, tool } = splitAction(uses);
        return (input, context) =>
          dispatcher
            .dispatch({ category, tool, params: input }, context.signal, dispatchOptions)
            .then(resultOf);
      });
      if (problems.length) throw invalid(problems);
      return workflow;
    } catch (error) {
      // Every problem at once: unknown categories and the graph's own (references, cycles).
      if (isDagError(error, 'ERR_DAG_INVALID_DEFINITION')) {
        throw invalid([...problems, ...(error as DefinitionError).problems]);
      }
      throw error;
    }
  }

  /**
   * Runs a workflow. Rejects only for a workflow that cannot run (`InvalidWorkflowError`,
   * `UnknownTemplateError`); a failing step is reported in the result, never thrown.
   */
  async run(
    input: WorkflowRunInput,
    options: {
      signal?: AbortSignal;
      /** Called once per step that settles (ran, failed, skipped or was cancelled). */
      onStepSettled?: (settled: number, total: number, message: string) => void;
      /** The caller's W3C trace context: every step's span joins that trace. */
      trace?: TraceContext | undefined;
      /** The client whose request caused the run: a peer's requests and log lines go to it. */
      client?: ClientChannel | undefined;
    } = {},
  ): Promise<WorkflowReport> {
    let steps: StepDefinition[];
    let workflow: Workflow;
    try {
      steps = await this.#definition(input);
      workflow = this.#build(steps, options.trace, options.client);
    } catch (error) {
      this.#stats.rejected++;
      throw error;
    }
    this.#stats.runs++;
    this.#stats.running++;
    const { onStepSettled } = options;
    let settled = 0;
    let result: RunResult;
    try {
      result = await workflow.run({
        ...(input.maxConcurrency === undefined ? {} : { concurrency: input.maxConcurrency }),
        failFast: input.failFast ?? false,
        ...(options.signal ? { signal: options.signal } : {}),
        ...this.#runOptions,
        // Step events cost an object each: asked for only when someone listens (progress).
        ...(onStepSettled && {
          onStep: (event: StepEvent) => {
            if (!FINAL.has(event.type)) return;
            settled++;
            onStepSettled(settled, steps.length, `step "${event.stepId}" ${event.type}`);
          },
        }),
      });
    } finally {
      this.#stats.running--;
    }
    this.#stats[result.status]++;
    this.#stats.steps += steps.length;
    const report = this.#report(steps, workflow, result, input.template);
    for (const listener of this.#listeners) {
      try {
        listener(report);
      } catch {
        // A listener (the dashboard) must never turn a finished run into a failed one.
      }
    }
    return report;
  }

  /** Hears every finished run's report (the dashboard's recent runs). */
  observe(listener: (report: WorkflowReport) => void): void {
    this.#listeners.push(listener);
  }

  #report(
    steps: StepDefinition[],
    workflow: Workflow,
    result: RunResult,
    template: string | undefined,
  ): WorkflowReport {
    const counts = { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
    const reports = steps.map((step): WorkflowStepReport => {
      const outcome = result.steps[step.id]!;
      counts[outcome.status]++;
      const report: WorkflowStepReport = {
        id: step.id,
        ...splitAction(step.uses),
        status: outcome.status,
        attempts: outcome.attempts,
      };
      if (outcome.status === 'succeeded') report.output = outcome.output ?? null;
      if (outcome.error !== undefined && outcome.status !== 'skipped') {
        report.error = {
          code: errorCode(outcome.error),
          message: errorMessage(outcome.error),
        };
      }
      if (outcome.startedAt !== undefined) report.startMs = outcome.startedAt - result.startedAt;
      if (outcome.durationMs !== undefined) report.durationMs = outcome.durationMs;
      if (outcome.skipReason !== undefined) report.skipReason = outcome.skipReason;
      return report;
    });
    return {
      status: result.status,
      ...(template === undefined ? {} : { template }),
      steps: reports,
      ...counts,
      durationMs: result.durationMs,
      criticalPathMs: result.criticalPathMs,
      mermaid: workflow.toMermaid(result),
    };
  }

  stats(): WorkflowRunnerStats {
    return { ...this.#stats };
  }
}

function resultOf(done: { result: unknown }): unknown {
  return done.result;
}

/**
 * The step scheduler, given each attempt without the run's signal. A task added with a signal
 * takes the scheduler's slow path (an abort listener while it waits, another while it runs, a
 * promise more), about a quarter of a workflow's own cost. Nothing is lost: the step itself gets
 * the run's signal and hands it to the dispatcher, whose call rejects the moment the run is
 * cancelled, freeing the slot; and an attempt still queued when its run ends is dropped by
 * @x/dag when its turn comes (it returns at once, without calling the step).
 */
function withoutSignal(scheduler: SchedulerLike): SchedulerLike {
  return {
    add: (fn, options) =>
      scheduler.add(fn, options?.priority === undefined ? {} : { priority: options.priority }),
  };
}

function invalid(problems: readonly string[]): InvalidWorkflowError {
  return new InvalidWorkflowError(problems);
}

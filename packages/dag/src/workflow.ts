import { type ActionResolver, buildSteps, type WorkflowDefinition } from './declarative.js';
import { DuplicateStepError } from './errors.js';
import { type CompiledGraph, compileGraph } from './graph.js';
import { renderMermaid } from './mermaid.js';
import { type NormalizedStep, normalizeRunOptions, normalizeStep } from './options.js';
import { Execution } from './runner.js';
import type { RunOptions, RunResult, StepOptions, StepRun } from './types.js';

/** Counters of a workflow, plain numbers. */
export interface WorkflowStats {
  steps: number;
  edges: number;
  /** Runs started / finished (any status) / running now. */
  runsStarted: number;
  runsFinished: number;
  runsActive: number;
  runsSucceeded: number;
  runsFailed: number;
  runsCancelled: number;
  /** Step outcomes summed over finished runs. */
  stepsSucceeded: number;
  stepsFailed: number;
  stepsSkipped: number;
  stepsCancelled: number;
  /** Attempts summed over finished runs (retries included). */
  attempts: number;
  /** Duration of the last finished run, ms (0 before any). */
  lastRunDurationMs: number;
}

/**
 * A DAG of steps. Declare steps with {@link Workflow.step}, check the graph with
 * {@link Workflow.validate}, and {@link Workflow.run} it: every step starts the moment its own
 * dependencies are done.
 *
 * @example
 * const wf = new Workflow()
 *   .step('fetch', () => fetchUser())
 *   .step('greet', ({ fetch }) => `hello ${fetch.name}`, { needs: ['fetch'] });
 * const result = await wf.run();
 */
export class Workflow {
  readonly #steps: NormalizedStep[] = [];
  readonly #ids = new Set<string>();
  #graph: CompiledGraph | undefined;
  #lastResult: RunResult | undefined;
  readonly #stats: WorkflowStats = {
    steps: 0,
    edges: 0,
    runsStarted: 0,
    runsFinished: 0,
    runsActive: 0,
    runsSucceeded: 0,
    runsFailed: 0,
    runsCancelled: 0,
    stepsSucceeded: 0,
    stepsFailed: 0,
    stepsSkipped: 0,
    stepsCancelled: 0,
    attempts: 0,
    lastRunDurationMs: 0,
  };

  /**
   * Builds a workflow from a declarative definition: each step names the action it `uses`,
   * which `resolve` turns into a function, and its inputs (`with`), where
   * `${steps.<id>.output.<path>}` references are filled in from that step's output when the
   * step runs. Throws `DefinitionError` listing every problem found.
   */
  static fromJSON(definition: WorkflowDefinition, resolve: ActionResolver): Workflow {
    const workflow = new Workflow();
    for (const declaration of buildSteps(definition, resolve)) {
      workflow.step(declaration.id, declaration.run, declaration.options);
    }
    return workflow;
  }

  /** Number of steps declared. */
  get size(): number {
    return this.#steps.length;
  }

  /** Step ids in declaration order. */
  get stepIds(): string[] {
    return this.#steps.map((s) => s.id);
  }

  /**
   * Declares a step. `run(inputs, context)` gets its dependencies' outputs by id and an
   * AbortSignal in `context.signal`. Throws `DuplicateStepError` for an id already declared.
   */
  step(id: string, run: StepRun, options?: StepOptions): this {
    const step = normalizeStep(id, run, options);
    if (this.#ids.has(id)) throw new DuplicateStepError(id);
    this.#ids.add(id);
    this.#steps.push(step);
    this.#graph = undefined;
    return this;
  }

  /**
   * Checks the graph in O(V + E): throws `MissingDependencyError` naming both ends, or
   * `CycleError` with the cycle's path. The result is kept until the next `step()`.
   */
  validate(): this {
    this.#compile();
    return this;
  }

  /** Step ids in an order where every step comes after its dependencies. */
  order(): string[] {
    const graph = this.#compile();
    return graph.order.map((i) => graph.ids[i]!);
  }

  /**
   * Steps grouped by depth: level 0 has no dependencies, level n needs something at n - 1.
   * A level-by-level executor would run these groups one after another.
   */
  levels(): string[][] {
    const graph = this.#compile();
    const levels: string[][] = [];
    for (const i of graph.order) {
      const depth = graph.depth[i]!;
      const level = levels[depth] ?? [];
      level.push(graph.ids[i]!);
      levels[depth] = level;
    }
    return levels;
  }

  /** A Mermaid flowchart; coloured by status after a run (the given result, else the last). */
  toMermaid(result: RunResult | undefined = this.#lastResult): string {
    return renderMermaid(this.#compile(), result);
  }

  /**
   * Runs the workflow. Rejects only for an invalid graph or options; step failures,
   * timeouts and cancellation are reported in the resolved {@link RunResult}.
   */
  async run(options?: RunOptions): Promise<RunResult> {
    const normalized = normalizeRunOptions(options);
    const graph = this.#compile();
    const stats = this.#stats;
    stats.runsStarted++;
    stats.runsActive++;
    const result = await new Execution(graph, this.#steps.slice(), normalized).start();
    stats.runsActive--;
    stats.runsFinished++;
    if (result.status === 'succeeded') stats.runsSucceeded++;
    else if (result.status === 'failed') stats.runsFailed++;
    else stats.runsCancelled++;
    for (const id in result.steps) {
      const step = result.steps[id]!;
      stats.attempts += step.attempts;
      if (step.status === 'succeeded') stats.stepsSucceeded++;
      else if (step.status === 'failed') stats.stepsFailed++;
      else if (step.status === 'skipped') stats.stepsSkipped++;
      else stats.stepsCancelled++;
    }
    stats.lastRunDurationMs = result.durationMs;
    this.#lastResult = result;
    return result;
  }

  stats(): WorkflowStats {
    const graph = this.#graph;
    return {
      ...this.#stats,
      steps: this.#steps.length,
      edges: graph ? graph.edges : this.#steps.reduce((n, s) => n + s.needs.length, 0),
    };
  }

  #compile(): CompiledGraph {
    this.#graph ??= compileGraph(this.#steps);
    return this.#graph;
  }
}

/** The `code` of every error `@x/dag` throws on purpose. */
export type DagErrorCode =
  | 'ERR_DAG_DUPLICATE_STEP'
  | 'ERR_DAG_MISSING_DEPENDENCY'
  | 'ERR_DAG_CYCLE'
  | 'ERR_DAG_STEP_TIMEOUT'
  | 'ERR_DAG_CANCELLED'
  | 'ERR_DAG_INVALID_DEFINITION'
  | 'ERR_DAG_INVALID_PARAMETERS'
  | 'ERR_DAG_UNRESOLVED_REFERENCE';

const PREFIX = 'ERR_DAG_';

/**
 * The base of every error `@x/dag` throws on purpose; `code` is stable, the message may change.
 * Match on `code` (or with {@link isDagError}) rather than `instanceof`, which fails when two
 * copies of the package are installed.
 */
export class DagError extends Error {
  readonly code: DagErrorCode;

  constructor(code: DagErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DagError';
    this.code = code;
  }
}

/**
 * Whether `error` is an error of `@x/dag` (any copy of the package: it checks the `code`, not
 * the prototype), and, when `code` is given, one with that code.
 *
 * @example
 * if (isDagError(result.steps.fetch?.error, 'ERR_DAG_STEP_TIMEOUT')) retryLater();
 */
export function isDagError(error: unknown, code?: DagErrorCode): error is DagError {
  if (error === null || typeof error !== 'object') return false;
  const actual = (error as { code?: unknown }).code;
  if (typeof actual !== 'string' || !actual.startsWith(PREFIX)) return false;
  return code === undefined || actual === code;
}

/** Two steps were declared with one id. */
export class DuplicateStepError extends DagError {
  static readonly code = 'ERR_DAG_DUPLICATE_STEP';
  declare readonly code: typeof DuplicateStepError.code;
  readonly stepId: string;

  constructor(stepId: string) {
    super(
      DuplicateStepError.code,
      `Step "${stepId}" is declared twice; give every step its own id.`,
    );
    this.name = 'DuplicateStepError';
    this.stepId = stepId;
  }
}

/** A step needs a step that the workflow does not declare. */
export class MissingDependencyError extends DagError {
  static readonly code = 'ERR_DAG_MISSING_DEPENDENCY';
  declare readonly code: typeof MissingDependencyError.code;
  readonly stepId: string;
  readonly dependencyId: string;

  constructor(stepId: string, dependencyId: string) {
    super(
      MissingDependencyError.code,
      `Step "${stepId}" needs "${dependencyId}", which is not a step of this workflow; declare it or remove it from needs.`,
    );
    this.name = 'MissingDependencyError';
    this.stepId = stepId;
    this.dependencyId = dependencyId;
  }
}

/** The dependencies form a cycle; `cycle` is its path, first id repeated at the end. */
export class CycleError extends DagError {
  static readonly code = 'ERR_DAG_CYCLE';
  declare readonly code: typeof CycleError.code;
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(
      CycleError.code,
      `Dependencies form a cycle: ${cycle.join(' -> ')}; remove one of these needs.`,
    );
    this.name = 'CycleError';
    this.cycle = cycle;
  }
}

/** One attempt of a step ran longer than its `timeoutMs`. */
export class StepTimeoutError extends DagError {
  static readonly code = 'ERR_DAG_STEP_TIMEOUT';
  declare readonly code: typeof StepTimeoutError.code;
  readonly stepId: string;
  readonly timeoutMs: number;
  readonly attempt: number;

  constructor(stepId: string, timeoutMs: number, attempt: number) {
    super(
      StepTimeoutError.code,
      `Step "${stepId}" timed out after ${timeoutMs} ms (attempt ${attempt}); raise timeoutMs or make the step faster.`,
    );
    this.name = 'StepTimeoutError';
    this.stepId = stepId;
    this.timeoutMs = timeoutMs;
    this.attempt = attempt;
  }
}

/** Why a running step was stopped: the run's signal fired, or failFast saw a failure. */
export class WorkflowCancelledError extends DagError {
  static readonly code = 'ERR_DAG_CANCELLED';
  declare readonly code: typeof WorkflowCancelledError.code;
  constructor(message: string, options?: ErrorOptions) {
    super(WorkflowCancelledError.code, message, options);
    this.name = 'WorkflowCancelledError';
  }
}

/** A declarative workflow or template is malformed; `problems` lists every one found. */
export class DefinitionError extends DagError {
  static readonly code = 'ERR_DAG_INVALID_DEFINITION';
  declare readonly code: typeof DefinitionError.code;
  readonly problems: readonly string[];

  constructor(what: string, problems: readonly string[]) {
    super(
      DefinitionError.code,
      `${what} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`,
    );
    this.name = 'DefinitionError';
    this.problems = problems;
  }
}

/** Parameters given to a template do not match its declaration; `problems` lists every one. */
export class ParameterError extends DagError {
  static readonly code = 'ERR_DAG_INVALID_PARAMETERS';
  declare readonly code: typeof ParameterError.code;
  readonly problems: readonly string[];

  constructor(template: string, problems: readonly string[]) {
    super(
      ParameterError.code,
      `Parameters for template "${template}" are invalid: ${problems.join('; ')}`,
    );
    this.name = 'ParameterError';
    this.problems = problems;
  }
}

/** What {@link UnresolvedReferenceError} knows about the reference it could not resolve. */
export interface UnresolvedReferenceDetail {
  /** The step whose input holds the reference. */
  readonly stepId: string;
  /** The placeholder as written in the definition, e.g. `${steps.fetch.output.body}`. */
  readonly written: string;
  /** The reference without `${ }`: `steps.fetch.output.body`. */
  readonly reference: string;
  /** The step the reference reads. */
  readonly dependencyId: string;
  /** The part of the path the output lacks (`items.3`); absent when the step has no output. */
  readonly path?: string;
  /** Why it cannot be resolved, e.g. `the output of step "fetch" has no "body" (…)`. */
  readonly why: string;
}

/**
 * A `${steps.<id>.output.<path>}` reference in a declarative step's input points at nothing when
 * the step runs: the referenced step did not succeed, or its output lacks the path. The step
 * fails with this error (it is not retried: the input would be the same).
 */
export class UnresolvedReferenceError extends DagError {
  static readonly code = 'ERR_DAG_UNRESOLVED_REFERENCE';
  declare readonly code: typeof UnresolvedReferenceError.code;
  /** The step whose input holds the reference. */
  readonly stepId: string;
  /** The reference without `${ }`, e.g. `steps.fetch.output.body`. */
  readonly reference: string;
  /** The step the reference reads. */
  readonly dependencyId: string;
  /** The part of the path the output lacks (`items.3`); undefined when the step has no output. */
  readonly path: string | undefined;

  constructor(detail: UnresolvedReferenceDetail) {
    super(
      UnresolvedReferenceError.code,
      `Step "${detail.stepId}": ${detail.written} cannot be resolved: ${detail.why}.`,
    );
    this.name = 'UnresolvedReferenceError';
    this.stepId = detail.stepId;
    this.reference = detail.reference;
    this.dependencyId = detail.dependencyId;
    this.path = detail.path;
  }
}

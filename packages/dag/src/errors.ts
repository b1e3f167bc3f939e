/** Base class of every error this package throws; `code` is stable, the message may change. */
export class DagError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Two steps were declared with one id. */
export class DuplicateStepError extends DagError {
  readonly stepId: string;

  constructor(stepId: string) {
    super('E_DUPLICATE_STEP', `Step "${stepId}" is declared twice; give every step its own id.`);
    this.stepId = stepId;
  }
}

/** A step needs a step that the workflow does not declare. */
export class MissingDependencyError extends DagError {
  readonly stepId: string;
  readonly dependencyId: string;

  constructor(stepId: string, dependencyId: string) {
    super(
      'E_MISSING_DEPENDENCY',
      `Step "${stepId}" needs "${dependencyId}", which is not a step of this workflow; declare it or remove it from needs.`,
    );
    this.stepId = stepId;
    this.dependencyId = dependencyId;
  }
}

/** The dependencies form a cycle; `cycle` is its path, first id repeated at the end. */
export class CycleError extends DagError {
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(
      'E_CYCLE',
      `Dependencies form a cycle: ${cycle.join(' -> ')}; remove one of these needs.`,
    );
    this.cycle = cycle;
  }
}

/** One attempt of a step ran longer than its `timeoutMs`. */
export class StepTimeoutError extends DagError {
  readonly stepId: string;
  readonly timeoutMs: number;
  readonly attempt: number;

  constructor(stepId: string, timeoutMs: number, attempt: number) {
    super(
      'E_STEP_TIMEOUT',
      `Step "${stepId}" timed out after ${timeoutMs} ms (attempt ${attempt}); raise timeoutMs or make the step faster.`,
    );
    this.stepId = stepId;
    this.timeoutMs = timeoutMs;
    this.attempt = attempt;
  }
}

/** Why a running step was stopped: the run's signal fired, or failFast saw a failure. */
export class WorkflowCancelledError extends DagError {
  constructor(message: string, options?: ErrorOptions) {
    super('E_CANCELLED', message, options);
  }
}

/** A declarative workflow or template is malformed; `problems` lists every one found. */
export class DefinitionError extends DagError {
  readonly problems: readonly string[];

  constructor(what: string, problems: readonly string[]) {
    super(
      'E_INVALID_DEFINITION',
      `${what} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`,
    );
    this.problems = problems;
  }
}

/** Parameters given to a template do not match its declaration; `problems` lists every one. */
export class ParameterError extends DagError {
  readonly problems: readonly string[];

  constructor(template: string, problems: readonly string[]) {
    super(
      'E_INVALID_PARAMETERS',
      `Parameters for template "${template}" are invalid: ${problems.join('; ')}`,
    );
    this.problems = problems;
  }
}

/** A `${steps.id.output.path}` reference points at nothing when the step runs. */
export class UnresolvedReferenceError extends DagError {
  readonly reference: string;

  constructor(reference: string, why: string) {
    super(
      'E_UNRESOLVED_REFERENCE',
      `\${${reference}} cannot be resolved: ${why}; check the step's inputs.`,
    );
    this.reference = reference;
  }
}

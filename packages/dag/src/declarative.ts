import { CycleError, DefinitionError, UnresolvedReferenceError } from './errors.js';
import { compileGraph } from './graph.js';
import { normalizeStep } from './options.js';
import {
  findPlaceholders,
  isPlaceholder,
  isPlainObject,
  KEEP,
  readPath,
  substitute,
} from './placeholders.js';
import type { StepContext, StepOptions, StepOutcome, StepRun, TriggerRule } from './types.js';

/** One step of a declarative workflow: JSON, so it can come from a file or a model. */
export interface StepDefinition {
  id: string;
  /** The action this step runs; `resolve` turns the name into a function. */
  uses: string;
  /**
   * The action's input. Strings may hold `${steps.<id>.output.<path>}` (that step's output, or
   * a part of it) and `${steps.<id>.status}`; a referenced step becomes a dependency.
   */
  with?: unknown;
  needs?: string[];
  retries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  timeoutMs?: number;
  trigger?: TriggerRule;
  weight?: number;
}

/** A declarative workflow. */
export interface WorkflowDefinition {
  name?: string;
  steps: StepDefinition[];
}

/** What a declarative step runs: its resolved `with` value and the step context. */
export type StepAction = (input: unknown, context: StepContext) => unknown;

/** Turns a step's `uses` into its action; `undefined` for an unknown name. */
export type ActionResolver = (uses: string, step: StepDefinition) => StepAction | undefined;

/** A step ready for `Workflow.step`. */
export interface StepDeclaration {
  id: string;
  run: StepRun;
  options: StepOptions;
}

const STEP_REFERENCE = /^steps\.([^.]+)\.(output|status)(?:\.(.+))?$/;
const OPTION_KEYS = [
  'retries',
  'retryDelayMs',
  'maxRetryDelayMs',
  'timeoutMs',
  'trigger',
  'weight',
] as const;

/**
 * Checks the structure of declarative steps and returns every problem found. Placeholders
 * must be step references, or parameters named in `parameters` (templates only).
 */
export function checkStepDefinitions(steps: unknown, parameters?: ReadonlySet<string>): string[] {
  if (!Array.isArray(steps)) return ['steps must be an array'];
  const problems: string[] = [];
  const ids = new Set<string>();
  let duplicates = false;
  for (const [n, step] of steps.entries()) {
    if (!isPlainObject(step) || typeof step.id !== 'string' || step.id === '') {
      problems.push(`steps[${n}] must be an object with a non-empty string id`);
      continue;
    }
    if (ids.has(step.id)) {
      problems.push(`step "${step.id}" is declared twice`);
      duplicates = true;
    }
    ids.add(step.id);
  }
  for (const step of steps) {
    if (!isPlainObject(step) || typeof step.id !== 'string' || step.id === '') continue;
    const where = `step "${step.id}"`;
    if (typeof step.uses !== 'string' || step.uses === '') {
      problems.push(`${where}: uses must name an action`);
    }
    const needs = step.needs ?? [];
    if (!Array.isArray(needs) || needs.some((need) => typeof need !== 'string')) {
      problems.push(`${where}: needs must be an array of step ids`);
    } else {
      for (const need of needs) {
        if (!ids.has(need)) problems.push(`${where} needs "${need}", which is not a step`);
      }
    }
    for (const expression of findPlaceholders(step)) {
      const problem = checkExpression(expression, ids, parameters);
      if (problem) problems.push(`${where}: \${${expression}} ${problem}`);
    }
    // In a template an option may be a whole `${params.x}`; it is checked once filled in.
    const options = Object.fromEntries(
      OPTION_KEYS.map((key) => [
        key,
        parameters && isPlaceholder(step[key]) ? undefined : step[key],
      ]),
    );
    try {
      normalizeStep(step.id, () => undefined, options as StepOptions);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (!duplicates) {
    const cycle = findCycle(steps, ids);
    if (cycle) problems.push(`dependencies form a cycle: ${cycle.join(' -> ')}`);
  }
  return problems;
}

/**
 * A cycle among the well-formed steps' needs and `${steps.<id>…}` references, or undefined.
 * Unknown ids are left out here: they are reported as problems of their own.
 */
function findCycle(
  steps: readonly unknown[],
  ids: ReadonlySet<string>,
): readonly string[] | undefined {
  const nodes = [];
  for (const step of steps) {
    if (!isPlainObject(step) || typeof step.id !== 'string' || step.id === '') continue;
    const needs = new Set<string>();
    if (Array.isArray(step.needs)) {
      for (const need of step.needs) if (typeof need === 'string' && ids.has(need)) needs.add(need);
    }
    for (const id of referencedSteps(step.with)) if (ids.has(id)) needs.add(id);
    nodes.push({ id: step.id, needs: [...needs], weight: 1 });
  }
  try {
    compileGraph(nodes);
    return undefined;
  } catch (error) {
    if (error instanceof CycleError) return error.cycle;
    throw error;
  }
}

/** The ids of the steps that `${steps.<id>…}` placeholders in `value` refer to. */
function referencedSteps(value: unknown): string[] {
  const found: string[] = [];
  for (const expression of findPlaceholders(value)) {
    const reference = STEP_REFERENCE.exec(expression);
    if (reference) found.push(reference[1]!);
  }
  return found;
}

function checkExpression(
  expression: string,
  ids: ReadonlySet<string>,
  parameters: ReadonlySet<string> | undefined,
): string | undefined {
  if (expression.startsWith('params.')) {
    const name = expression.slice('params.'.length).split('.')[0]!;
    if (parameters === undefined) return 'is a parameter: instantiate the template first';
    return parameters.has(name) ? undefined : `names parameter "${name}", which is not declared`;
  }
  const reference = STEP_REFERENCE.exec(expression);
  if (!reference) {
    return `is not a reference: use \${steps.<id>.output.<path>}, \${steps.<id>.status} or \${params.<name>}`;
  }
  if (reference[2] === 'status' && reference[3] !== undefined) return 'has a path after status';
  return ids.has(reference[1]!) ? undefined : `refers to "${reference[1]}", which is not a step`;
}

/** Validates a declarative workflow and turns it into steps; throws `DefinitionError`. */
export function buildSteps(
  definition: WorkflowDefinition,
  resolve: ActionResolver,
): StepDeclaration[] {
  if (typeof resolve !== 'function') {
    throw new TypeError('fromJSON(definition, resolve): resolve must be a function.');
  }
  const name =
    isPlainObject(definition) && typeof definition.name === 'string' ? definition.name : '';
  const label = name ? `Workflow "${name}"` : 'Workflow definition';
  if (!isPlainObject(definition)) throw new DefinitionError(label, ['it must be an object']);
  const problems = checkStepDefinitions(definition.steps);
  const actions = new Map<string, StepAction>();
  // Actions are looked up even when the structure has problems, so all are reported at once.
  for (const step of Array.isArray(definition.steps) ? (definition.steps as unknown[]) : []) {
    if (!isPlainObject(step) || typeof step.id !== 'string' || step.id === '') continue;
    if (typeof step.uses !== 'string' || step.uses === '') continue;
    const action = resolve(step.uses, step as unknown as StepDefinition);
    if (typeof action === 'function') actions.set(step.id, action);
    else problems.push(`step "${step.id}" uses "${step.uses}", which resolve() does not know`);
  }
  if (problems.length > 0) throw new DefinitionError(label, problems);
  return definition.steps.map((step) => declare(step, actions.get(step.id)!));
}

function declare(step: StepDefinition, action: StepAction): StepDeclaration {
  const needs = new Set([...(step.needs ?? []), ...referencedSteps(step.with)]);
  const options: StepOptions = { needs: [...needs] };
  for (const key of OPTION_KEYS) {
    if (step[key] !== undefined) Object.assign(options, { [key]: step[key] });
  }
  const template = step.with;
  const run: StepRun = (inputs, context) => {
    const input = substitute(template, (expression) =>
      lookUp(expression, inputs, context.dependencies),
    );
    return action(input, context);
  };
  return { id: step.id, run, options };
}

function lookUp(
  expression: string,
  inputs: Readonly<Record<string, unknown>>,
  dependencies: Readonly<Record<string, StepOutcome>>,
): unknown {
  const reference = STEP_REFERENCE.exec(expression);
  if (!reference) return KEEP;
  const [, id, field, path] = reference as unknown as [string, string, string, string | undefined];
  const status = dependencies[id];
  if (field === 'status') return status;
  if (status !== 'succeeded') {
    throw new UnresolvedReferenceError(expression, `step "${id}" ${status ?? 'did not run'}`);
  }
  const read = readPath(inputs[id], path === undefined ? [] : path.split('.'));
  if (!read.found) {
    throw new UnresolvedReferenceError(
      expression,
      `the output of step "${id}" has no "${read.missing}"`,
    );
  }
  return read.value;
}

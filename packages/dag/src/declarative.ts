import { CycleError, DefinitionError } from './errors.js';
import { compileGraph } from './graph.js';
import { normalizeStep } from './options.js';
import { findPlaceholders, isPlaceholder, isPlainObject, substitute } from './placeholders.js';
import { checkExpression, parseReference, resolveReference } from './references.js';
import type { Jitter, StepContext, StepOptions, StepRun, TriggerRule } from './types.js';

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
  /** Attempts in all, the first included (1 to 100). @default 1 */
  maxAttempts?: number;
  /** The cap of the first retry wait, ms. @default 100 */
  baseDelayMs?: number;
  /** No retry wait is longer than this, ms. @default 30_000 */
  maxDelayMs?: number;
  /** How much the cap grows per attempt. @default 2 */
  multiplier?: number;
  /** `'full'`: a random wait in [0, cap); `'none'`: the cap. @default 'full' */
  jitter?: Jitter;
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

/** The options a declarative step takes, as in `Workflow.step()` (`retryOn` is no JSON). */
const OPTION_KEYS = [
  'maxAttempts',
  'baseDelayMs',
  'maxDelayMs',
  'multiplier',
  'jitter',
  'timeoutMs',
  'trigger',
  'weight',
] as const;
const STEP_KEYS: readonly string[] = ['id', 'uses', 'with', 'needs', ...OPTION_KEYS];

/**
 * Checks the structure of declarative steps and returns every problem found. Placeholders
 * must be step references, or parameters named in `parameters` (templates only).
 */
export function checkStepDefinitions(steps: unknown, parameters?: ReadonlySet<string>): string[] {
  return analyzeSteps(steps, parameters).problems;
}

/** What one pass over declarative steps finds: the problems, and each well-formed step's references. */
interface StepAnalysis {
  problems: string[];
  /** By step id: the steps its `${steps.<id>…}` placeholders refer to (known ids only). */
  references: Map<string, string[]>;
  /** The ids of the steps whose `with` holds a placeholder (of any kind). */
  withPlaceholders: Set<string>;
}

const STEP_KEY_SET: ReadonlySet<string> = new Set(STEP_KEYS);

/** One pass over the steps: every problem, and what building the steps needs to know. */
function analyzeSteps(steps: unknown, parameters?: ReadonlySet<string>): StepAnalysis {
  const references = new Map<string, string[]>();
  const withPlaceholders = new Set<string>();
  if (!Array.isArray(steps)) {
    return { problems: ['steps must be an array'], references, withPlaceholders };
  }
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
    let hasOption = false;
    for (const key of Object.keys(step)) {
      if (step[key] === undefined) continue;
      if (!STEP_KEY_SET.has(key)) problems.push(unknownField(where, key));
      else if (key !== 'id' && key !== 'uses' && key !== 'with' && key !== 'needs')
        hasOption = true;
    }
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
    // Placeholders in field order; those of `with` are also what the step fills in when it runs.
    const referenced: string[] = [];
    for (const key of Object.keys(step)) {
      const found = findPlaceholders(step[key]);
      if (key === 'with' && found.length > 0) withPlaceholders.add(step.id);
      for (const { written, expression } of found) {
        const problem = checkExpression(expression, ids, parameters);
        if (problem) problems.push(`${where}: ${written} ${problem}`);
        if (key !== 'with') continue;
        const reference = parseReference(expression);
        if (reference && ids.has(reference.stepId)) referenced.push(reference.stepId);
      }
    }
    references.set(step.id, referenced);
    // Options left out take their defaults, which are valid: only given ones are checked.
    // In a template an option may be a whole `${params.x}`; it is checked once filled in.
    if (hasOption) {
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
  }
  if (!duplicates) {
    const cycle = findCycle(steps, ids, references);
    if (cycle) problems.push(`dependencies form a cycle: ${cycle.join(' -> ')}`);
  }
  return { problems, references, withPlaceholders };
}

function unknownField(where: string, key: string): string {
  if (key === 'retryOn') {
    return `${where}: retryOn cannot be given in a declarative step (a function is no JSON); declare the step with Workflow.step() to use it`;
  }
  return `${where} has an unknown field "${key}"; a step's fields are ${STEP_KEYS.join(', ')}`;
}

/**
 * A cycle among the well-formed steps' needs and `${steps.<id>…}` references, or undefined.
 * Unknown ids are left out here: they are reported as problems of their own.
 */
function findCycle(
  steps: readonly unknown[],
  ids: ReadonlySet<string>,
  references: ReadonlyMap<string, readonly string[]>,
): readonly string[] | undefined {
  const nodes = [];
  for (const step of steps) {
    if (!isPlainObject(step) || typeof step.id !== 'string' || step.id === '') continue;
    const needs = new Set<string>();
    if (Array.isArray(step.needs)) {
      for (const need of step.needs) if (typeof need === 'string' && ids.has(need)) needs.add(need);
    }
    for (const id of references.get(step.id) ?? []) needs.add(id);
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
  const { problems, references, withPlaceholders } = analyzeSteps(definition.steps);
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
  return definition.steps.map((step) =>
    declare(
      step,
      actions.get(step.id)!,
      references.get(step.id) ?? [],
      withPlaceholders.has(step.id),
    ),
  );
}

function declare(
  step: StepDefinition,
  action: StepAction,
  references: readonly string[],
  hasPlaceholders: boolean,
): StepDeclaration {
  const given = step.needs ?? [];
  // Needs first, then the steps referenced, each once (normalizeStep drops repeats too).
  const needs = references.length === 0 ? given : [...new Set([...given, ...references])];
  const options: StepOptions = { needs };
  for (const key of OPTION_KEYS) {
    if (step[key] !== undefined) Object.assign(options, { [key]: step[key] });
  }
  const template = step.with;
  // Nothing to fill in: the action gets the step's `with` as declared, without a copy.
  if (!hasPlaceholders)
    return { id: step.id, run: (_, context) => action(template, context), options };
  const run: StepRun = (inputs, context) => {
    const input = substitute(template, (expression, written) =>
      resolveReference(step.id, expression, written, inputs, context.dependencies),
    );
    return action(input, context);
  };
  return { id: step.id, run, options };
}

import {
  type ActionResolver,
  checkStepDefinitions,
  type StepDefinition,
  type WorkflowDefinition,
} from './declarative.js';
import { DefinitionError, ParameterError } from './errors.js';
import { isPlainObject, KEEP, readPath, substitute } from './placeholders.js';
import { Workflow } from './workflow.js';

export type ParameterType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';

/** One parameter of a template. */
export interface ParameterSpec {
  type: ParameterType;
  description?: string;
  /** Used when the parameter is not given; makes the parameter optional. */
  default?: unknown;
  /**
   * Whether the parameter must be given.
   * @default true when there is no default, else false
   */
  required?: boolean;
}

/** A whole-string parameter placeholder, e.g. `'${params.retries}'`. */
export type ParameterPlaceholder = `\${params.${string}}`;

/** A template step: like a `StepDefinition`, but any option but `needs` may be a parameter placeholder. */
export type TemplateStepDefinition = {
  [K in keyof StepDefinition]: K extends 'id' | 'uses' | 'with' | 'needs'
    ? StepDefinition[K]
    : StepDefinition[K] | ParameterPlaceholder;
};

/** A reusable workflow: steps with `${params.<name>}` placeholders. */
export interface TemplateDefinition {
  name: string;
  version: string;
  description?: string;
  parameters?: Record<string, ParameterSpec>;
  steps: TemplateStepDefinition[];
}

/** Counters of a template, plain numbers. */
export interface TemplateStats {
  instantiations: number;
  /** Instantiations refused for bad parameters. */
  rejected: number;
}

const TYPES: readonly ParameterType[] = [
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
];

/**
 * A validated workflow template. The constructor checks the whole definition and throws
 * `DefinitionError` listing every problem; {@link WorkflowTemplate.instantiate} checks the
 * parameters and throws `ParameterError` listing every problem.
 */
export class WorkflowTemplate {
  readonly name: string;
  readonly version: string;
  readonly description: string | undefined;
  readonly parameters: Readonly<Record<string, ParameterSpec>>;
  readonly #steps: TemplateStepDefinition[];
  readonly #stats: TemplateStats = { instantiations: 0, rejected: 0 };

  constructor(definition: TemplateDefinition) {
    const problems: string[] = [];
    if (!isPlainObject(definition)) throw new DefinitionError('Template', ['it must be an object']);
    const { name, version } = definition;
    if (typeof name !== 'string' || name === '') problems.push('name must be a non-empty string');
    if (typeof version !== 'string' || version === '') {
      problems.push('version must be a non-empty string');
    }
    const parameters = definition.parameters ?? {};
    if (!isPlainObject(parameters)) problems.push('parameters must be an object');
    else {
      for (const [param, spec] of Object.entries(parameters)) {
        problems.push(...checkSpec(param, spec));
      }
    }
    const names = new Set(isPlainObject(parameters) ? Object.keys(parameters) : []);
    problems.push(...checkStepDefinitions(definition.steps, names));
    const label = typeof name === 'string' && name ? `Template "${name}"` : 'Template';
    if (problems.length > 0) throw new DefinitionError(label, problems);
    this.name = name;
    this.version = version;
    this.description = definition.description;
    this.parameters = structuredClone(parameters);
    this.#steps = structuredClone(definition.steps);
  }

  /**
   * Checks `params` against the declaration (unknown names, missing required ones, wrong
   * types — all reported at once in a `ParameterError`), applies defaults and returns the
   * workflow definition with every `${params.<name>}` filled in.
   */
  instantiate(params: Record<string, unknown> = {}): WorkflowDefinition {
    const { values, problems } = this.#checkParams(params);
    // Parameters that failed their check are left out (their placeholders become undefined),
    // so the options the others fill are still checked and reported in the same error.
    const steps = substitute(this.#steps, (expression) => {
      if (!expression.startsWith('params.')) return KEEP;
      const [name, ...path] = expression.slice('params.'.length).split('.');
      const read = readPath(values, [name!, ...path]);
      return read.found ? read.value : undefined;
    }) as StepDefinition[];
    // A parameter may fill an option (`retries: '${params.retries}'`); check what it became.
    problems.push(...checkStepDefinitions(steps));
    if (problems.length > 0) {
      this.#stats.rejected++;
      throw new ParameterError(`${this.name}@${this.version}`, problems);
    }
    this.#stats.instantiations++;
    return { name: `${this.name}@${this.version}`, steps };
  }

  /** Instantiates the template and builds the workflow: `Workflow.fromJSON(instantiate(params))`. */
  toWorkflow(params: Record<string, unknown>, resolve: ActionResolver): Workflow {
    return Workflow.fromJSON(this.instantiate(params), resolve);
  }

  stats(): TemplateStats {
    return { ...this.#stats };
  }

  /** The given values with defaults applied, and every problem with them. */
  #checkParams(params: Record<string, unknown>): {
    values: Record<string, unknown>;
    problems: string[];
  } {
    const problems: string[] = [];
    if (!isPlainObject(params)) problems.push('parameters must be an object');
    const given = isPlainObject(params) ? params : {};
    for (const name of Object.keys(given)) {
      if (!Object.hasOwn(this.parameters, name)) problems.push(`"${name}" is not a parameter`);
    }
    const values: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(this.parameters)) {
      const value = Object.hasOwn(given, name) ? given[name] : undefined;
      if (value === undefined) {
        if (spec.default !== undefined) values[name] = structuredClone(spec.default);
        else if (spec.required ?? true) problems.push(`"${name}" is required (${spec.type})`);
        continue;
      }
      if (!hasType(value, spec.type)) {
        problems.push(`"${name}" must be ${article(spec.type)}, got ${typeName(value)}`);
        continue;
      }
      values[name] = value;
    }
    return { values, problems };
  }
}

function checkSpec(name: string, spec: unknown): string[] {
  if (!isPlainObject(spec)) return [`parameter "${name}" must be an object with a type`];
  if (!TYPES.includes(spec.type as ParameterType)) {
    return [`parameter "${name}": type must be one of ${TYPES.join(', ')}`];
  }
  if (spec.default !== undefined && !hasType(spec.default, spec.type as ParameterType)) {
    return [`parameter "${name}": default must be ${article(spec.type as ParameterType)}`];
  }
  return [];
}

function hasType(value: unknown, type: ParameterType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
  }
}

function article(type: ParameterType): string {
  return type === 'object' || type === 'array' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

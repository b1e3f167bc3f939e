import { UnresolvedReferenceError } from './errors.js';
import { KEEP, readPath } from './placeholders.js';
import type { StepOutcome } from './types.js';

/** A parsed `${steps.<id>.output.<path>}` or `${steps.<id>.status}`. */
export interface StepReference {
  readonly stepId: string;
  readonly field: 'output' | 'status';
  /** The path after `output`, split at dots; empty for the whole output. */
  readonly path: readonly string[];
}

// The id is the shortest text followed by `.output` or `.status`, so ids may hold dots.
const STEP_REFERENCE = /^steps\.(.+?)\.(output|status)(?:\.(.+))?$/;
const HINT = `use \${steps.<id>.output.<path>}, \${steps.<id>.status} or \${params.<name>}`;

/** Parses a placeholder expression (trimmed, without `${ }`); undefined if it is no step reference. */
export function parseReference(expression: string): StepReference | undefined {
  const match = STEP_REFERENCE.exec(expression);
  if (!match) return undefined;
  const [, stepId, field, path] = match as unknown as [
    string,
    string,
    'output' | 'status',
    string?,
  ];
  return { stepId, field, path: path === undefined ? [] : path.split('.') };
}

/**
 * What is wrong with a placeholder of a declarative step, ready to follow the placeholder as
 * written in a problem; undefined when nothing is. `parameters` are a template's (undefined in a
 * workflow definition, where `${params.…}` has no value).
 */
export function checkExpression(
  expression: string,
  ids: ReadonlySet<string>,
  parameters: ReadonlySet<string> | undefined,
): string | undefined {
  if (expression.startsWith('params.')) {
    const name = expression.slice('params.'.length).split('.')[0]!;
    if (parameters === undefined) return 'is a parameter: instantiate the template first';
    return parameters.has(name) ? undefined : `names parameter "${name}", which is not declared`;
  }
  const reference = parseReference(expression);
  if (!reference) return notAReference(expression, ids);
  const { stepId, field, path } = reference;
  if (!ids.has(stepId)) return `refers to "${stepId}", which is not a step`;
  if (field === 'status' && path.length > 0) {
    return `has a path after status: write \${steps.${stepId}.status}`;
  }
  if (path.includes('')) return 'has an empty segment in its path (two dots in a row?)';
  return undefined;
}

/** Why an expression is no reference, with the likely fix when it names a known step. */
function notAReference(expression: string, ids: ReadonlySet<string>): string {
  if (expression.startsWith('steps.')) {
    const rest = expression.slice('steps.'.length);
    // The longest known id the expression starts with, e.g. `a` in `steps.a.result.x`.
    let id: string | undefined;
    for (const known of ids) {
      if (rest.startsWith(`${known}.`) && (id === undefined || known.length > id.length)) {
        id = known;
      }
    }
    if (id !== undefined) {
      const [field, ...path] = rest.slice(id.length + 1).split('.');
      const tail = path.length > 0 ? `.${path.join('.')}` : '';
      return `reads "${field}" of step "${id}", which has only output and status: write \${steps.${id}.output${tail}} for its output, or \${steps.${id}.status} for how it ended`;
    }
  }
  return `is not a reference: ${HINT}`;
}

/**
 * The value of a placeholder of step `stepId` when it runs, from its dependencies' outputs and
 * outcomes; `KEEP` for a placeholder that is no step reference. Throws
 * `UnresolvedReferenceError` for the output of a step that did not succeed, or a missing path.
 */
export function resolveReference(
  stepId: string,
  expression: string,
  written: string,
  inputs: Readonly<Record<string, unknown>>,
  dependencies: Readonly<Record<string, StepOutcome>>,
): unknown {
  const reference = parseReference(expression);
  if (!reference) return KEEP;
  const { stepId: dependencyId, field, path } = reference;
  const status = dependencies[dependencyId];
  if (field === 'status') return status;
  const detail = { stepId, written, reference: expression, dependencyId };
  if (status !== 'succeeded') {
    const ended =
      status === undefined ? 'did not run' : status === 'failed' ? 'failed' : `was ${status}`;
    throw new UnresolvedReferenceError({
      ...detail,
      why: `step "${dependencyId}" ${ended}, so it has no output; \${steps.${dependencyId}.status} tells how it ended`,
    });
  }
  const read = readPath(inputs[dependencyId], path);
  if (read.found) return read.value;
  const missing = path.slice(0, read.depth + 1).join('.');
  const at = read.depth === 0 ? 'the output' : `"${path.slice(0, read.depth).join('.')}"`;
  throw new UnresolvedReferenceError({
    ...detail,
    path: missing,
    why: `the output of step "${dependencyId}" has no "${missing}" (${at} ${describeValue(read.parent)})`,
  });
}

const MAX_KEYS = 10;
const MAX_KEY_LENGTH = 40;

/** What a value holds, for a message: its keys or its length, never its content. */
function describeValue(value: unknown): string {
  if (value === null) return 'is null';
  if (Array.isArray(value)) {
    return `is an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  }
  if (typeof value !== 'object')
    return `is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`;
  const keys = Object.keys(value);
  if (keys.length === 0) return 'is an empty object';
  const shown = keys.slice(0, MAX_KEYS).map((key) => {
    const short = key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH)}…` : key;
    return JSON.stringify(short);
  });
  const more = keys.length > MAX_KEYS ? ` and ${keys.length - MAX_KEYS} more` : '';
  return `has ${shown.join(', ')}${more}`;
}

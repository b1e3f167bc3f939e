import type { StepDefinition, TemplateStepDefinition } from '@x/dag';
import { z } from 'zod';

/** One step as the model writes it: a dispatch call with dependencies. */
export const workflowStepSchema = z
  .object({
    id: z.string().min(1).max(100).describe('Unique within the workflow'),
    category: z.string().min(1).describe('A category from list_categories'),
    tool: z.string().min(1).describe('A tool of that category'),
    params: z
      .record(z.string(), z.unknown())
      .default({})
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference syntax, literally
      .describe('The tool params; strings may hold ${steps.<id>.result...} references'),
    needs: z
      .array(z.string())
      .default([])
      .describe('Steps that must finish first (referenced steps are added automatically)'),
    retries: z.number().int().min(0).max(10).optional().describe('Extra attempts after a failure'),
    timeoutMs: z.number().int().positive().optional().describe('Time limit of each attempt'),
    trigger: z
      .enum(['all-success', 'all-done'])
      .optional()
      .describe('all-done: run even if a dependency failed (clean-up)'),
  })
  .strict();

export type WorkflowStep = z.output<typeof workflowStepSchema>;

const paramPlaceholder = z
  .string()
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder syntax, literally
  .regex(/^\$\{params\.[^}]+\}$/, 'a ${params.<name>} placeholder');

/** A template as the config or a template file declares it. */
export const templateSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1).default('1.0.0'),
    description: z.string().optional(),
    parameters: z
      .record(
        z.string(),
        z.object({
          type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']),
          description: z.string().optional(),
          default: z.unknown().optional(),
          required: z.boolean().optional(),
        }),
      )
      .default({}),
    steps: z
      .array(
        z
          .object({
            id: z.string().min(1),
            category: z.string().min(1),
            tool: z.string().min(1),
            params: z.record(z.string(), z.unknown()).default({}),
            needs: z.array(z.string()).default([]),
            // A template may fill these from its parameters: `"retries": "${params.retries}"`.
            retries: z.union([z.number().int().min(0), paramPlaceholder]).optional(),
            timeoutMs: z.union([z.number().int().positive(), paramPlaceholder]).optional(),
            trigger: z.union([z.enum(['all-success', 'all-done']), paramPlaceholder]).optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type WorkflowTemplateInput = z.input<typeof templateSchema>;
export type WorkflowTemplateSpec = z.output<typeof templateSchema>;

const RESULT_REF = /\$\{steps\.([^.}]+)\.result(?=[.}])/g;
const ANY_STEP_REF = /\$\{steps\.([^.}]+)\./g;

/**
 * `${steps.a.result.x}` is the server's spelling (a step's result is its tool's result); @x/dag
 * calls it `output`. Rewrites every string, deeply.
 */
export function rewriteReferences(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(RESULT_REF, '${steps.$1.output');
  if (Array.isArray(value)) return value.map(rewriteReferences);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, rewriteReferences(inner)]),
    );
  }
  return value;
}

const DAG_REF = /\$\{steps\.([^.}]+)\.output(?=[.}])/g;

/**
 * A message of @x/dag in the server's spelling: `${steps.a.output.x}` back to
 * `${steps.a.result.x}`, "the output of step" to "the result of step", so an error quotes the
 * reference as the caller wrote it.
 */
export function inServerSpelling(message: string): string {
  return message
    .replace(DAG_REF, '${steps.$1.result')
    .replaceAll('the output of step', 'the result of step');
}

/** Ids of the steps a value references with `${steps.<id>....}`. */
export function referencedSteps(value: unknown): Set<string> {
  const ids = new Set<string>();
  const text = JSON.stringify(value) ?? '';
  for (const match of text.matchAll(ANY_STEP_REF)) ids.add(match[1]!);
  return ids;
}

/** The action name a step `uses` in @x/dag: `category.tool` (category names hold no dot). */
export function actionName(step: { category: string; tool: string }): string {
  return `${step.category}.${step.tool}`;
}

/** Splits an action name back into its category and tool. */
export function splitAction(uses: string): { category: string; tool: string } {
  const dot = uses.indexOf('.');
  return { category: uses.slice(0, dot), tool: uses.slice(dot + 1) };
}

const OPTION_KEYS = ['retries', 'timeoutMs', 'trigger'] as const;

type StepLike = Pick<WorkflowStep, 'id' | 'category' | 'tool' | 'params' | 'needs'> & {
  retries?: number | string | undefined;
  timeoutMs?: number | string | undefined;
  trigger?: string | undefined;
};

/**
 * A server step as an @x/dag declarative step (`uses: "category.tool"`, `with: params`). Template
 * steps keep their `${params.x}` placeholders for `WorkflowTemplate` to fill.
 */
export function toDagStep(step: StepLike): StepDefinition & TemplateStepDefinition {
  const dag: Record<string, unknown> = {
    id: step.id,
    uses: actionName(step),
    with: rewriteReferences(step.params),
    needs: step.needs,
  };
  for (const key of OPTION_KEYS) if (step[key] !== undefined) dag[key] = step[key];
  return dag as unknown as StepDefinition & TemplateStepDefinition;
}

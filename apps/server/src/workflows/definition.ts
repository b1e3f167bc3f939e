import type { StepDefinition, TemplateStepDefinition } from '@x/dag';
import { z } from 'zod';

const paramPlaceholder = z
  .string()
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder syntax, literally
  .regex(/^\$\{params\.[^}]+\}$/, 'a ${params.<name>} placeholder');

/** The step options, with their bounds, written once for inline steps and template steps. */
const stepOptions = {
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .describe('Attempts in all, the first included (1 = no retry); waits grow with full jitter'),
  baseDelayMs: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .describe('The first retry wait cap, doubling per attempt'),
  timeoutMs: z.number().int().positive().describe('Time limit of each attempt'),
  trigger: z
    .enum(['all-success', 'all-done'])
    .describe('all-done: run even if a dependency failed (clean-up)'),
};

type StepOptionKey = keyof typeof stepOptions;
const OPTION_KEYS = Object.keys(stepOptions) as StepOptionKey[];

/**
 * One step schema; `placeholders` lets a template fill an option from its parameters
 * (`"maxAttempts": "${params.attempts}"`), under the same bounds once filled (@x/dag checks them).
 */
function stepSchema<P extends boolean>(placeholders: P) {
  const option = <S extends z.ZodType>(schema: S) =>
    (placeholders ? z.union([schema, paramPlaceholder]) : schema).optional();
  return z
    .object({
      id: z.string().min(1).max(100).describe('Unique within the workflow'),
      category: z.string().min(1).describe('A category from list_categories'),
      tool: z.string().min(1).describe('A tool of that category'),
      params: z
        .record(z.string(), z.unknown())
        .default({})
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference syntax, literally
        .describe('The tool params; strings may hold ${steps.<id>.output...} references'),
      needs: z
        .array(z.string())
        .default([])
        .describe('Steps that must finish first (referenced steps are added automatically)'),
      maxAttempts: option(stepOptions.maxAttempts),
      baseDelayMs: option(stepOptions.baseDelayMs),
      timeoutMs: option(stepOptions.timeoutMs),
      trigger: option(stepOptions.trigger),
    })
    .strict();
}

/** One step as the model writes it: a dispatch call with dependencies. */
export const workflowStepSchema = stepSchema(false);

export type WorkflowStep = z.output<typeof workflowStepSchema>;

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
    steps: z.array(stepSchema(true)).min(1),
  })
  .strict();

export type WorkflowTemplateInput = z.input<typeof templateSchema>;
export type WorkflowTemplateSpec = z.output<typeof templateSchema>;

/** The action name a step `uses` in @x/dag: `category.tool` (category names hold no dot). */
export function actionName(step: { category: string; tool: string }): string {
  return `${step.category}.${step.tool}`;
}

/** Splits an action name back into its category and tool. */
export function splitAction(uses: string): { category: string; tool: string } {
  const dot = uses.indexOf('.');
  return { category: uses.slice(0, dot), tool: uses.slice(dot + 1) };
}

type StepLike = Pick<WorkflowStep, 'id' | 'category' | 'tool' | 'params' | 'needs'> &
  Partial<Record<StepOptionKey, number | string | undefined>>;

/**
 * A server step as an @x/dag declarative step (`uses: "category.tool"`, `with: params`);
 * `${steps.<id>.output...}` references and template placeholders are @x/dag's to resolve.
 */
export function toDagStep(step: StepLike): StepDefinition & TemplateStepDefinition {
  const dag: Record<string, unknown> = {
    id: step.id,
    uses: actionName(step),
    with: step.params,
    needs: step.needs,
  };
  for (const key of OPTION_KEYS) if (step[key] !== undefined) dag[key] = step[key];
  return dag as unknown as StepDefinition & TemplateStepDefinition;
}

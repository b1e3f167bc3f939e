import { z } from 'zod';
import type { TemplateLibrary, WorkflowRunner } from '../workflows/index.js';
import { workflowStepSchema } from '../workflows/index.js';
import { roundMs } from './results.js';
import { type MetaTool, metaTool } from './tool-kit.js';

const MAX_STEPS = 500;

const parameterSpec = z.object({
  type: z.string(),
  description: z.string().optional(),
  default: z.unknown().optional(),
  required: z.boolean().optional(),
});

const templateSummary = {
  name: z.string(),
  version: z.string(),
  description: z.string(),
  parameters: z.record(z.string(), parameterSpec),
  steps: z.number(),
};

export function workflowTools(runner: WorkflowRunner, templates: TemplateLibrary): MetaTool[] {
  return [
    metaTool({
      name: 'workflow_run',
      title: 'Run a workflow',
      description:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference syntax, literally
        'Run a DAG of tool calls: each step is a dispatch (category, tool, params) that starts as soon as the steps it needs are done. Strings in params may reference an earlier step\'s result: "${steps.<id>.output.<path>}". Or run a template: { template, params }. Answers every step\'s status, output or error and timing, and a Mermaid diagram.',
      input: z.object({
        steps: z.array(workflowStepSchema).min(1).max(MAX_STEPS).optional(),
        template: z.string().min(1).optional().describe('A name from list_workflow_templates'),
        params: z.record(z.string(), z.unknown()).optional().describe("The template's parameters"),
        maxConcurrency: z.number().int().positive().max(MAX_STEPS).optional(),
        failFast: z.boolean().optional().describe('Stop at the first failed step'),
      }),
      output: z.object({
        status: z.enum(['succeeded', 'failed', 'cancelled']),
        template: z.string().optional(),
        steps: z.array(
          z.object({
            id: z.string(),
            category: z.string(),
            tool: z.string(),
            status: z.enum(['succeeded', 'failed', 'skipped', 'cancelled']),
            output: z.unknown().optional(),
            error: z.object({ code: z.string(), message: z.string() }).optional(),
            attempts: z.number(),
            startMs: z.number().optional(),
            durationMs: z.number().optional(),
            skipReason: z.string().optional(),
          }),
        ),
        succeeded: z.number(),
        failed: z.number(),
        skipped: z.number(),
        cancelled: z.number(),
        durationMs: z.number(),
        criticalPathMs: z.number(),
        mermaid: z.string(),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      work: async (input, ctx) => {
        const { progress } = ctx;
        const report = await runner.run(input, {
          signal: ctx.signal,
          ...(ctx.trace && { trace: ctx.trace }),
          ...(ctx.client && { client: ctx.client }),
          ...(progress && {
            onStepSettled: (settled: number, total: number, message: string) =>
              progress({ progress: settled, total, message }),
          }),
        });
        return {
          ...report,
          durationMs: roundMs(report.durationMs),
          criticalPathMs: roundMs(report.criticalPathMs),
          steps: report.steps.map((step) =>
            step.durationMs === undefined
              ? step
              : { ...step, durationMs: roundMs(step.durationMs) },
          ),
        };
      },
    }),

    metaTool({
      name: 'list_workflow_templates',
      title: 'List workflow templates',
      description: 'The workflow templates workflow_run can run by name, with their parameters.',
      input: z.object({}),
      output: z.object({
        templates: z.array(z.object(templateSummary)),
        problems: z.array(z.object({ file: z.string(), error: z.string() })),
      }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      work: async () => ({
        templates: await templates.list(),
        problems: await templates.problems(),
      }),
    }),

    metaTool({
      name: 'describe_workflow_template',
      title: 'Describe a workflow template',
      description: "A template's parameters, steps and graph (Mermaid), before running it.",
      input: z.object({
        name: z.string().min(1).describe('A name from list_workflow_templates'),
      }),
      output: z.object({
        ...templateSummary,
        definition: z.record(z.string(), z.unknown()),
        mermaid: z.string(),
      }),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      work: async ({ name }) => ({ ...(await templates.describe(name)) }),
    }),
  ];
}

import { z } from 'zod';
import { errorCode, errorMessage } from '../errors.js';
import type { Dispatcher, DispatchOptions } from '../pipeline/index.js';
import { dispatchParallel } from '../pipeline/index.js';
import { roundMs, structured, toolError, withContent } from './results.js';
import { type CallContext, type MetaTool, metaTool, rawMetaTool } from './tool-kit.js';

// The envelope stays thin: params are checked by the tool's own validator in the dispatcher.
// `looseObject({})` advertises the same JSON Schema as a string-keyed record (an object of any
// properties) but parses in about a seventh of the time: zod's records go through its cycle memoizer.
const callShape = {
  category: z.string().describe('A category from list_categories'),
  tool: z.string().describe('A tool from list_tools'),
  params: z.looseObject({}).default({}).describe("The tool's params; see get_tool_schema"),
  priority: z.number().int().optional().describe("Higher runs first; defaults to the category's"),
};

const MAX_BATCH = 1000;

/** A `warning` for the client when a circuit refused a call: its backend is failing. */
function warnIfRefused(ctx: CallContext, category: string, tool: string, error: unknown): void {
  if (errorCode(error) !== 'CIRCUIT_OPEN') return;
  ctx.log('warning', `${category}.${tool} refused: ${errorMessage(error)}`);
}

export function callTools(
  dispatcher: Dispatcher,
  stats: () => Record<string, unknown>,
): MetaTool[] {
  return [
    rawMetaTool({
      name: 'dispatch',
      title: 'Call a tool',
      description:
        "Call one tool of a category with params. Read-only idempotent tools are cached; pass idempotencyKey to make a retry safe. A peer server's tool answers with its own content (text, images, resources) as the peer sent it, and its structured content, if any, as result.",
      input: z.object({
        ...callShape,
        idempotencyKey: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('A repeat with the same key returns the first result without running again'),
      }),
      output: z.object({
        category: z.string(),
        tool: z.string(),
        // Absent when a peer's tool answered with content blocks only.
        result: z.unknown().optional(),
        cached: z.boolean(),
        replayed: z.boolean(),
        durationMs: z.number(),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      call: async (call, ctx) => {
        const { category, tool } = call;
        try {
          // A peer's progress (or any tool's) reaches the caller under its own token.
          // A peer's requests to the client and its log lines go back to this caller.
          // One literal of one shape (no spread: V8 builds a spread literal slowly).
          const options: DispatchOptions = {
            onProgress: ctx.progress,
            trace: ctx.trace,
            client: ctx.client,
          };
          const done = await dispatcher.dispatch(call, ctx.signal, options);
          const { answer, cached, replayed } = done;
          const durationMs = roundMs(done.durationMs);
          if (ctx.logs('debug')) {
            ctx.log(
              'debug',
              `${category}.${tool} ${replayed ? 'replayed' : cached ? 'served from cache' : 'ran'} in ${durationMs} ms`,
            );
          }
          if (answer) {
            // A peer's answer goes out as the peer sent it: its blocks are the content.
            const { structuredContent: result } = answer;
            return withContent(answer.content, {
              category,
              tool,
              ...(result === undefined ? {} : { result }),
              cached,
              replayed,
              durationMs,
            });
          }
          const result = done.result ?? null;
          return structured({ category, tool, result, cached, replayed, durationMs });
        } catch (error) {
          warnIfRefused(ctx, category, tool, error);
          return toolError(error);
        }
      },
    }),

    metaTool({
      name: 'dispatch_parallel',
      title: 'Call tools in parallel',
      description:
        'Call many tools concurrently; answers one { ok, result | error } per call in input order. Reports progress per finished call; cancelling stops the whole batch.',
      input: z.object({
        calls: z.array(z.object(callShape)).min(1).max(MAX_BATCH),
        maxConcurrency: z.number().int().positive().max(MAX_BATCH).optional(),
      }),
      output: z.object({
        results: z.array(
          z.object({
            ok: z.boolean(),
            result: z.unknown().optional(),
            cached: z.boolean().optional(),
            error: z.object({ code: z.string(), message: z.string() }).optional(),
          }),
        ),
        succeeded: z.number(),
        failed: z.number(),
        durationMs: z.number(),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      work: async ({ calls, maxConcurrency }, ctx) => {
        const started = performance.now();
        const report = ctx.progress;
        const results = await dispatchParallel(dispatcher, calls, {
          maxConcurrency,
          signal: ctx.signal,
          ...(ctx.trace && { trace: ctx.trace }),
          ...(ctx.client && { client: ctx.client }),
          onSettled:
            report &&
            ((index, settled, total) =>
              report({ progress: settled, total, message: `call ${index} finished` })),
        });
        results.forEach((outcome, index) => {
          if (!outcome.ok && outcome.error.code === 'CIRCUIT_OPEN') {
            const { category, tool } = calls[index]!;
            ctx.log('warning', `${category}.${tool} refused: ${outcome.error.message}`);
          }
        });
        const succeeded = results.filter((outcome) => outcome.ok).length;
        return {
          results: results.map((outcome) =>
            outcome.ok ? { ...outcome, result: outcome.result ?? null } : outcome,
          ),
          succeeded,
          failed: results.length - succeeded,
          durationMs: roundMs(performance.now() - started),
        };
      },
    }),

    metaTool({
      name: 'server_stats',
      title: 'Server statistics',
      description:
        'Counters of the server: calls, cache hits, breaker states, queue depth, loaded categories.',
      input: z.object({}),
      output: z.object({ stats: z.record(z.string(), z.unknown()) }),
      annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
      work: () => ({ stats: stats() }),
    }),
  ];
}

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Dispatcher } from '../pipeline/index.js';
import { dispatchParallel } from '../pipeline/index.js';
import { handler } from './handler.js';
import { progressReporter } from './progress.js';
import { roundMs, structured, toolError, withContent } from './results.js';

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

export function registerCallTools(
  server: McpServer,
  dispatcher: Dispatcher,
  stats: () => Record<string, unknown>,
): void {
  server.registerTool(
    'dispatch',
    {
      title: 'Call a tool',
      description:
        "Call one tool of a category with params. Read-only idempotent tools are cached; pass idempotencyKey to make a retry safe. A peer server's tool answers with its own content (text, images, resources) as the peer sent it, and its structured content, if any, as result.",
      inputSchema: {
        ...callShape,
        idempotencyKey: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('A repeat with the same key returns the first result without running again'),
      },
      outputSchema: {
        category: z.string(),
        tool: z.string(),
        // Absent when a peer's tool answered with content blocks only.
        result: z.unknown().optional(),
        cached: z.boolean(),
        replayed: z.boolean(),
        durationMs: z.number(),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    async (call, extra) => {
      try {
        const onProgress = progressReporter(extra);
        // A peer's progress (or any tool's) reaches the caller under its own token.
        const done = await dispatcher.dispatch(call, extra.signal, onProgress && { onProgress });
        const { category, tool } = call;
        const { answer, cached, replayed } = done;
        const durationMs = roundMs(done.durationMs);
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
        return toolError(error);
      }
    },
  );

  server.registerTool(
    'dispatch_parallel',
    {
      title: 'Call tools in parallel',
      description:
        'Call many tools concurrently; answers one { ok, result | error } per call in input order. Reports progress per finished call; cancelling stops the whole batch.',
      inputSchema: {
        calls: z.array(z.object(callShape)).min(1).max(MAX_BATCH),
        maxConcurrency: z.number().int().positive().max(MAX_BATCH).optional(),
      },
      outputSchema: {
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
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    handler(async ({ calls, maxConcurrency }, extra) => {
      const started = performance.now();
      const report = progressReporter(extra);
      const results = await dispatchParallel(dispatcher, calls, {
        maxConcurrency,
        signal: extra.signal,
        onSettled:
          report &&
          ((index, settled, total) =>
            report({ progress: settled, total, message: `call ${index} finished` })),
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
    }),
  );

  server.registerTool(
    'server_stats',
    {
      title: 'Server statistics',
      description:
        'Counters of the server: calls, cache hits, breaker states, queue depth, loaded categories.',
      inputSchema: {},
      outputSchema: { stats: z.record(z.string(), z.unknown()) },
      annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
    },
    handler(() => ({ stats: stats() })),
  );
}

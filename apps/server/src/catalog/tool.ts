import { z } from 'zod';

/** What a running tool can use: cancellation and progress. */
export interface ToolContext {
  /** Aborted when the client cancels the call or the server shuts down. */
  readonly signal: AbortSignal;
  /** Reports progress to the caller, when the caller asked for it (peers relay theirs here). */
  readonly onProgress?: (progress: ToolProgress) => void;
}

/** One progress report, as MCP's `notifications/progress` carries it. */
export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** Hints the model (and the cache) read about a tool; the MCP `ToolAnnotations` subset we use. */
export interface ToolHints {
  /** The tool does not change anything outside the server. @default false */
  readOnlyHint?: boolean;
  /** Calling it twice with the same params gives the same result. @default false */
  idempotentHint?: boolean;
  /** The tool reaches outside the machine (network, other services). @default false */
  openWorldHint?: boolean;
}

/**
 * A tool as a category declares it: zod schemas for the input and the output, and `run`. A tool
 * that is both read-only and idempotent is served from the cache for `cacheTtlMs`.
 */
export interface ToolDefinition<I extends z.ZodType = z.ZodType, O = unknown> {
  name: string;
  description: string;
  input: I;
  hints?: ToolHints;
  /** How long a result stays cached (read-only + idempotent tools only). @default config.cache.defaultTtlMs */
  cacheTtlMs?: number;
  run: (params: z.output<I>, ctx: ToolContext) => Promise<O> | O;
}

/** Declares a tool with its params type inferred from `input`. */
export function defineTool<I extends z.ZodType, O>(tool: ToolDefinition<I, O>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

export type Validation = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * A tool once its category is loaded, independent of how it was declared: a zod tool today, an
 * upstream peer's JSON-Schema tool later. The dispatcher only ever sees this shape.
 */
export interface ResolvedTool {
  readonly category: string;
  readonly name: string;
  readonly description: string;
  readonly hints: Readonly<ToolHints>;
  readonly cacheTtlMs: number | undefined;
  /** Overrides the hints' cache decision (a peer's config can). @default from the hints */
  readonly cacheable?: boolean;
  /** The input JSON Schema, computed on first request and kept. */
  jsonSchema(): Record<string, unknown>;
  validate(params: unknown): Validation;
  run(params: unknown, ctx: ToolContext): Promise<unknown>;
}

/** True when a result may be served from the cache: read-only and idempotent. */
export function isCacheable(tool: ResolvedTool): boolean {
  return tool.cacheable ?? (tool.hints.readOnlyHint === true && tool.hints.idempotentHint === true);
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(params)'}: ${issue.message}`)
    .join('; ');
}

/** Wraps a zod-declared tool into the dispatcher's shape. */
export function resolveZodTool(category: string, tool: ToolDefinition): ResolvedTool {
  if (!tool || typeof tool.name !== 'string' || typeof tool.run !== 'function') {
    throw new TypeError(`Category "${category}" has a tool without a name or a run function.`);
  }
  if (!tool.input || typeof (tool.input as { safeParse?: unknown }).safeParse !== 'function') {
    throw new TypeError(`Tool "${category}.${tool.name}" needs a zod schema as "input".`);
  }
  let schema: Record<string, unknown> | undefined;
  return {
    category,
    name: tool.name,
    description: tool.description,
    hints: { ...tool.hints },
    cacheTtlMs: tool.cacheTtlMs,
    jsonSchema() {
      schema ??= z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >;
      return schema;
    },
    validate(params) {
      const parsed = tool.input.safeParse(params ?? {});
      return parsed.success
        ? { ok: true, value: parsed.data }
        : { ok: false, message: formatIssues(parsed.error) };
    },
    async run(params, ctx) {
      return tool.run(params, ctx);
    },
  };
}

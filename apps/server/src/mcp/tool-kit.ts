import type {
  CallToolResult,
  LoggingLevel,
  Tool,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ClientChannel, ToolProgress, TraceContext } from '../catalog/index.js';
import { structured } from './results.js';

export { callContext, DEFAULT_LEGACY_LOG_LEVEL } from './client-channel.js';

/** What a meta-tool's work gets from the request it serves, whatever the protocol era. */
export interface CallContext {
  /** Aborted when the client cancels the request (or its connection goes). */
  signal: AbortSignal;
  /** Sends `notifications/progress` under the request's token; absent when none was asked for. */
  progress: ((progress: ToolProgress) => void) | undefined;
  /** The caller's W3C trace context from `_meta.traceparent` / `tracestate`, if sent. */
  trace: TraceContext | undefined;
  /**
   * A log line for the client, at the level the client asked for: per request (2026-07-28
   * `_meta`) or per session (2025 `logging/setLevel`). A failed send is dropped.
   */
  log(level: LoggingLevel, data: unknown): void;
  /** Whether a line at `level` would reach the client (so a line nobody reads is not built). */
  logs(level: LoggingLevel): boolean;
  /**
   * The client behind the call, for work that needs it during the call: a peer's sampling,
   * elicitation and roots requests, its log lines (see client-channel.ts).
   */
  client: ClientChannel | undefined;
}

/** One model-facing tool: its definition (built once) and its work. */
export interface MetaTool {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  annotations: ToolAnnotations;
  /** Answers the call; `args` passed `input`. Errors are the caller's to turn into tool errors. */
  call(args: never, ctx: CallContext): Promise<CallToolResult>;
}

/**
 * A tool whose work answers plain data, which goes out as structured content (and JSON text for
 * older clients); any error becomes a tool error with its stable code, which the model can act on.
 */
export function metaTool<I extends z.ZodObject, O extends z.ZodObject>(spec: {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  work: (
    args: z.output<I>,
    ctx: CallContext,
  ) => Promise<Record<string, unknown>> | Record<string, unknown>;
}): MetaTool {
  const { work, ...definition } = spec;
  return { ...definition, call: async (args, ctx) => structured(await work(args, ctx)) };
}

/** A tool whose work builds its own `CallToolResult` (dispatch answers a peer's content). */
export function rawMetaTool<I extends z.ZodObject>(
  spec: Omit<MetaTool, 'call' | 'input'> & {
    input: I;
    call: (args: z.output<I>, ctx: CallContext) => Promise<CallToolResult>;
  },
): MetaTool {
  return spec as MetaTool;
}

/** A tool as `tools/list` shows it and `tools/call` runs it, converted once. */
export interface BuiltTool {
  tool: MetaTool;
  /** The output JSON Schema, as listed: `tools/call` projects its results against this one. */
  outputSchema: Record<string, unknown>;
}

/** The list answer and the tools by name: built once, shared by every server instance. */
export interface ToolDefinitions {
  readonly list: { tools: Tool[] };
  readonly byName: ReadonlyMap<string, BuiltTool>;
}

const jsonSchema = (schema: z.ZodObject, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as Record<string, unknown>;

/** Converts the zod schemas of every tool to JSON Schema, once. */
export function buildDefinitions(tools: readonly MetaTool[]): ToolDefinitions {
  const byName = new Map<string, BuiltTool>();
  const listed: Tool[] = [];
  for (const tool of tools) {
    const inputSchema = {
      type: 'object',
      ...jsonSchema(tool.input, 'input'),
    } as Tool['inputSchema'];
    const outputSchema = { type: 'object', ...jsonSchema(tool.output, 'output') };
    byName.set(tool.name, { tool, outputSchema });
    listed.push({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema,
      outputSchema: outputSchema as Tool['outputSchema'],
      annotations: tool.annotations,
    });
  }
  return { list: { tools: listed }, byName };
}

/**
 * The arguments a tool runs with, or an `INVALID_PARAMS` tool error naming every problem: a
 * caller's mistake in the envelope (`params` as a string, a missing `tool`) is answered like a
 * mistake in a tool's params, not as a bare JSON-RPC error.
 */
export function parseArguments(
  tool: MetaTool,
  args: unknown,
): { ok: true; args: unknown } | { ok: false; result: CallToolResult } {
  const parsed = tool.input.safeParse(args ?? {});
  if (parsed.success) return { ok: true, args: parsed.data };
  const details = parsed.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'arguments'}: ${issue.message}`)
    .join('; ');
  // The meta-tool's own schema is in tools/list (get_tool_schema describes a category's tools).
  const text = `[INVALID_PARAMS] Invalid arguments for ${tool.name}: ${details}. The inputSchema of ${tool.name} in tools/list has the expected shape.`;
  return { ok: false, result: { content: [{ type: 'text', text }], isError: true } };
}

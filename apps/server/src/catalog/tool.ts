import type { ContentBlock } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ToolInputError } from '../errors.js';

/** What a running tool can use: cancellation, progress, trace context and its client. */
export interface ToolContext {
  /** Aborted when the client cancels the call or the server shuts down. */
  readonly signal: AbortSignal;
  /** Reports progress to the caller, when the caller asked for it (peers relay theirs here). */
  readonly onProgress?: (progress: ToolProgress) => void;
  /**
   * The W3C trace context the caller sent with the call (`_meta.traceparent` / `tracestate`),
   * if any: the call's span carries it, and a peer's tool passes it on to the peer.
   */
  readonly trace?: TraceContext;
  /**
   * The client whose request caused the call, for work that needs it during the call (a peer
   * asking for sampling, elicitation or roots, a peer's log lines): absent when the call has no
   * client behind it.
   */
  readonly client?: ClientChannel;
}

/** The MCP request kinds a server may send to its client during a call. */
export type ClientRequestMethod = 'sampling/createMessage' | 'elicitation/create' | 'roots/list';

/** The MCP log levels, from the most verbose. */
export type LogLevel =
  | 'debug'
  | 'info'
  | 'notice'
  | 'warning'
  | 'error'
  | 'critical'
  | 'alert'
  | 'emergency';

/** The way back to the client of one call: its capabilities, its log level, its answers. */
export interface ClientChannel {
  /**
   * The client's serving unit (a 2025 session, a stdio connection), the same object for each of
   * its calls: a peer's request that cannot name its call may still go to the one client.
   */
  readonly owner?: object;
  /** The capabilities the client declared (2025 `initialize`, or the 2026-07-28 request's). */
  capabilities(): Record<string, unknown> | undefined;
  /** The log level the client asked for, when it asked (`logging/setLevel`, or per request). */
  logLevel(): LogLevel | undefined;
  /**
   * Sends a request to the client and answers with its result. Rejects with the client's error,
   * or with a protocol error when the client did not declare the capability the request needs.
   */
  request(
    request: { method: ClientRequestMethod; params?: Record<string, unknown> },
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>>;
  /** A log line for the client, sent when it is at or above the client's level. */
  log(level: LogLevel, data: unknown, logger?: string): void;
}

/** W3C trace context (https://www.w3.org/TR/trace-context/) as MCP carries it in `_meta`. */
export interface TraceContext {
  /** `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. */
  traceparent: string;
  tracestate?: string;
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
  /**
   * Which errors of `run` are the caller's fault (a bad request, not a failing backend): the
   * `code`s of those errors, or a predicate. They fail the call but never count against the
   * category's circuit breaker. Errors with `callerFault: true` of their own (`ToolInputError`)
   * need no listing; an error whose own `callerFault` is `false` always counts.
   * @default none: every error `run` throws counts, unless it carries `callerFault: true`
   */
  callerFault?: readonly string[] | ((error: unknown) => boolean);
  run: (params: z.output<I>, ctx: ToolContext) => Promise<O> | O;
}

/** Declares a tool with its params type inferred from `input`. */
export function defineTool<I extends z.ZodType, O>(tool: ToolDefinition<I, O>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

export type Validation = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * A tool's answer in MCP's own terms, as a tool that answers like an MCP tool gives it (a peer's):
 * its content blocks as sent (text, images, audio, embedded resources, resource links) and its
 * structured content, if any. Plain JSON, so every cache tier keeps it as it is.
 */
export interface ContentAnswer {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
}

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
  /**
   * `run` resolves to a {@link ContentAnswer} (a peer's tool): `dispatch` answers with its content
   * blocks as they are, other callers see its structured content. @default false
   */
  readonly answersWithContent?: boolean;
  /** The input JSON Schema, computed on first request and kept. */
  jsonSchema(): Record<string, unknown>;
  validate(params: unknown): Validation;
  run(params: unknown, ctx: ToolContext): Promise<unknown>;
}

/** True when a result may be served from the cache: read-only and idempotent. */
export function isCacheable(tool: ResolvedTool): boolean {
  return tool.cacheable ?? (tool.hints.readOnlyHint === true && tool.hints.idempotentHint === true);
}

/** The top-level keys a zod object schema declares, read structurally (any copy of zod). */
function declaredKeys(schema: z.ZodType): string[] | undefined {
  const shape = (schema as { shape?: unknown }).shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : undefined;
}

/** Edit distance, to suggest the parameter a misspelled one was meant to be. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function unknownKeys(keys: readonly string[], declared: readonly string[] | undefined): string {
  const named = keys.map((key) => `"${key}"`).join(', ');
  const list = `unknown parameter${keys.length === 1 ? '' : 's'} ${named}`;
  if (!declared?.length) return list;
  const [key] = keys;
  const near = declared
    .map((candidate) => ({
      candidate,
      cost: distance(key!.toLowerCase(), candidate.toLowerCase()),
    }))
    .filter(({ cost }) => cost <= Math.max(1, Math.floor(key!.length / 3)))
    .sort((a, b) => a.cost - b.cost)[0];
  const takes = `the tool takes ${declared.map((name) => `"${name}"`).join(', ')}`;
  return keys.length === 1 && near
    ? `${list} (did you mean "${near.candidate}"? ${takes})`
    : `${list} (${takes})`;
}

/**
 * Zod issues as one line the model can act on: unknown parameters first, by name (with the
 * nearest declared one), then each field's problem, a missing field said as such.
 */
function formatIssues(error: z.ZodError, schema: z.ZodType, params: unknown): string {
  const declared = declaredKeys(schema);
  const parts: string[] = [];
  let namedUnknown = false;
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    namedUnknown = true;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    parts.push(where + unknownKeys(issue.keys, issue.path.length ? undefined : declared));
  }
  // A schema that drops unknown keys says nothing of them; when the call fails anyway, a
  // misspelled key is the likeliest reason, so it is named all the same.
  if (!namedUnknown && declared && params && typeof params === 'object' && !Array.isArray(params)) {
    const extra = Object.keys(params).filter((key) => !declared.includes(key));
    if (extra.length) parts.push(unknownKeys(extra, declared));
  }
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') continue;
    const field = issue.path.length ? issue.path.join('.') : '(params)';
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      // zod names a required `unknown` field's type "nonoptional": any value will do.
      const expected = issue.expected === 'nonoptional' ? '' : ` (expected ${issue.expected})`;
      parts.push(`${field}: missing${expected}`);
    } else {
      parts.push(`${field}: ${issue.message}`);
    }
  }
  return parts.join('; ');
}

/**
 * Marks an error of `run` as the caller's fault when the definition says so; an error that says
 * for itself (`callerFault` true or false) is left as it is.
 */
function classify(error: unknown, callerFault: NonNullable<ToolDefinition['callerFault']>) {
  if (typeof (error as { callerFault?: unknown } | null)?.callerFault === 'boolean') return error;
  const code = (error as { code?: unknown } | null)?.code;
  let blamed: boolean;
  try {
    blamed =
      typeof callerFault === 'function'
        ? callerFault(error) === true
        : typeof code === 'string' && callerFault.includes(code);
  } catch {
    // A predicate that throws cannot clear the error: it counts, as an unmarked error does.
    blamed = false;
  }
  return blamed ? ToolInputError.from(error) : error;
}

/** Wraps a zod-declared tool into the dispatcher's shape. */
export function resolveZodTool(category: string, tool: ToolDefinition): ResolvedTool {
  if (!tool || typeof tool.name !== 'string' || typeof tool.run !== 'function') {
    throw new TypeError(`Category "${category}" has a tool without a name or a run function.`);
  }
  if (!tool.input || typeof (tool.input as { safeParse?: unknown }).safeParse !== 'function') {
    throw new TypeError(`Tool "${category}.${tool.name}" needs a zod schema as "input".`);
  }
  const { callerFault } = tool;
  if (
    callerFault !== undefined &&
    typeof callerFault !== 'function' &&
    !Array.isArray(callerFault)
  ) {
    throw new TypeError(
      `Tool "${category}.${tool.name}" has a "callerFault" that is neither a list of error codes nor a function.`,
    );
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
      const input = params ?? {};
      const parsed = tool.input.safeParse(input);
      return parsed.success
        ? { ok: true, value: parsed.data }
        : { ok: false, message: formatIssues(parsed.error, tool.input, input) };
    },
    async run(params, ctx) {
      if (callerFault === undefined) return tool.run(params, ctx);
      try {
        return await tool.run(params, ctx);
      } catch (error) {
        throw classify(error, callerFault);
      }
    },
  };
}

import type { jsonSchemaValidator } from '@modelcontextprotocol/client';
import type {
  ContentAnswer,
  ResolvedTool,
  ToolContext,
  ToolHints,
  Validation,
} from '../catalog/index.js';
import type { PeerConfig } from '../config/index.js';
import { PeerToolError } from '../errors.js';
import { toolFilter } from './tool-filter.js';

/**
 * A tool as a peer's `tools/list` describes it: the fields the gateway reads, and every other
 * field (title, output schema, icons, `_meta`, …) kept as the peer sent it, for direct exposure.
 */
export interface PeerToolListing {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema: { type: 'object'; [key: string]: unknown };
  outputSchema?: { type: 'object'; [key: string]: unknown } | undefined;
  annotations?: (ToolHints & Record<string, unknown>) | undefined;
  [key: string]: unknown;
}

/** A peer's tool as the dispatcher sees it, with the peer's own listing of it. */
export interface PeerTool extends ResolvedTool {
  /** The tool as the peer listed it, unchanged: what direct exposure lists under its prefix. */
  readonly listing: PeerToolListing;
}

/** True for a tool resolved from a peer's listing (it carries the listing). */
export function isPeerTool(tool: ResolvedTool): tool is PeerTool {
  return typeof (tool as Partial<PeerTool>).listing === 'object';
}

/** A peer's `isError` answer as an error: its message is the text, its blocks are kept as sent. */
export interface PeerToolErrorWithContent extends PeerToolError {
  readonly content: ContentAnswer['content'];
}

export function peerToolError(
  peer: string,
  tool: string,
  details: string,
  content: ContentAnswer['content'],
): PeerToolErrorWithContent {
  return Object.assign(new PeerToolError(peer, tool, details), { content });
}

/** The peer's own content blocks of a `PEER_TOOL_ERROR`, when the error carries them. */
export function peerErrorContent(error: unknown): ContentAnswer['content'] | undefined {
  if (!(error instanceof PeerToolError)) return undefined;
  const content = (error as Partial<PeerToolErrorWithContent>).content;
  return Array.isArray(content) ? content : undefined;
}

export interface PeerToolOptions {
  peer: string;
  config: Pick<PeerConfig, 'cache' | 'cacheTools' | 'cacheTtlMs'> & {
    tools?: PeerConfig['tools'] | undefined;
  };
  /** Compiles the input schema; the SDK's Ajv validator in the gateway. */
  validator: jsonSchemaValidator;
  /** Sends `tools/call` to the peer and answers with the tool's result, as the peer sent it. */
  call: (tool: string, params: unknown, ctx: ToolContext) => Promise<ContentAnswer>;
}

/**
 * The cache decision for one peer tool: the per-tool config, else the peer-wide `cache`, else
 * `undefined` so the annotations decide (read-only and idempotent).
 */
export function peerCacheDecision(
  config: PeerToolOptions['config'],
  tool: string,
): boolean | undefined {
  return config.cacheTools[tool] ?? config.cache;
}

/**
 * The tools of a peer's listing that its `tools.allow` / `tools.deny` let through, each wrapped
 * for the dispatcher: a filtered tool is gone for every exposure (the catalog meta-tools,
 * `dispatch`, direct `tools/list` and `tools/call`), as if the peer did not have it.
 */
export function resolvePeerTools(
  listings: readonly PeerToolListing[],
  options: PeerToolOptions,
): PeerTool[] {
  const kept = toolFilter(options.config.tools);
  return listings
    .filter((listing) => kept(listing.name))
    .map((listing) => resolvePeerTool(listing, options));
}

/**
 * Wraps a peer's tool into the dispatcher's shape: its JSON Schema validates params here, and it
 * answers with the peer's content blocks (and structured content) as the peer sent them.
 */
export function resolvePeerTool(listing: PeerToolListing, options: PeerToolOptions): PeerTool {
  const { annotations } = listing;
  const hints: ToolHints = {};
  if (annotations?.readOnlyHint !== undefined) hints.readOnlyHint = annotations.readOnlyHint;
  if (annotations?.idempotentHint !== undefined) hints.idempotentHint = annotations.idempotentHint;
  // A peer reaches outside this process whatever it says about itself.
  hints.openWorldHint = true;
  const cacheable = peerCacheDecision(options.config, listing.name);
  let validate: ((params: unknown) => Validation) | undefined;
  let checkOutput: ((answer: ContentAnswer) => void) | undefined;
  return {
    category: options.peer,
    name: listing.name,
    listing,
    description: listing.description ?? '',
    hints,
    cacheTtlMs: options.config.cacheTtlMs,
    ...(cacheable === undefined ? {} : { cacheable }),
    jsonSchema: () => listing.inputSchema,
    validate(params) {
      validate ??= compile(options.validator, listing.inputSchema);
      return validate(params ?? {});
    },
    answersWithContent: true,
    // The peer's output schema is checked here, once (the SDK's client is asked not to).
    run: async (params, ctx) => {
      const answer = await options.call(listing.name, params, ctx);
      checkOutput ??= outputCheck(listing, options);
      checkOutput(answer);
      return answer;
    },
  };
}

/**
 * What the SDK's `callTool` checks of a successful answer: with an output schema, structured
 * content is there and valid against it (else `PEER_TOOL_ERROR`, as the SDK's refusal became).
 */
function outputCheck(
  listing: PeerToolListing,
  options: PeerToolOptions,
): (answer: ContentAnswer) => void {
  const schema = listing.outputSchema;
  if (schema === undefined) return () => {};
  const valid = compile(options.validator, schema as PeerToolListing['inputSchema']);
  const fail = (details: string) => new PeerToolError(options.peer, listing.name, details);
  return (answer) => {
    if (answer.structuredContent === undefined) {
      throw fail(`Tool ${listing.name} has an output schema but did not return structured content`);
    }
    const result = valid(answer.structuredContent);
    if (!result.ok) {
      throw fail(`Structured content does not match the tool's output schema: ${result.message}`);
    }
  };
}

function compile(
  validator: jsonSchemaValidator,
  schema: PeerToolListing['inputSchema'],
): (params: unknown) => Validation {
  try {
    const check = validator.getValidator<unknown>(schema as never);
    return (params) => {
      const result = check(params);
      return result.valid
        ? { ok: true, value: result.data }
        : { ok: false, message: result.errorMessage };
    };
  } catch {
    // A schema our validator cannot compile is still the peer's to enforce: pass params through.
    return (params) => ({ ok: true, value: params });
  }
}

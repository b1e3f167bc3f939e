import type { jsonSchemaValidator } from '@modelcontextprotocol/client';
import type {
  ContentAnswer,
  ResolvedTool,
  ToolContext,
  ToolHints,
  Validation,
} from '../catalog/index.js';
import type { PeerConfig } from '../config/index.js';

/** A tool as a peer's `tools/list` describes it (the fields the gateway reads). */
export interface PeerToolListing {
  name: string;
  description?: string | undefined;
  inputSchema: { type: 'object'; [key: string]: unknown };
  annotations?: ToolHints | undefined;
}

export interface PeerToolOptions {
  peer: string;
  config: Pick<PeerConfig, 'cache' | 'cacheTools' | 'cacheTtlMs'>;
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
 * Wraps a peer's tool into the dispatcher's shape: its JSON Schema validates params here, and it
 * answers with the peer's content blocks (and structured content) as the peer sent them.
 */
export function resolvePeerTool(listing: PeerToolListing, options: PeerToolOptions): ResolvedTool {
  const { annotations } = listing;
  const hints: ToolHints = {};
  if (annotations?.readOnlyHint !== undefined) hints.readOnlyHint = annotations.readOnlyHint;
  if (annotations?.idempotentHint !== undefined) hints.idempotentHint = annotations.idempotentHint;
  // A peer reaches outside this process whatever it says about itself.
  hints.openWorldHint = true;
  const cacheable = peerCacheDecision(options.config, listing.name);
  let validate: ((params: unknown) => Validation) | undefined;
  return {
    category: options.peer,
    name: listing.name,
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
    run: (params, ctx) => options.call(listing.name, params, ctx),
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

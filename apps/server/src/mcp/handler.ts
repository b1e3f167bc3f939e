import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { structured, toolError } from './results.js';

/**
 * A tool handler in one shape: the work answers plain data, which goes out as structured
 * content (and JSON text for older clients); any error becomes a tool error with its stable code,
 * which the model can act on. Every meta-tool is written with it.
 */
export function handler<A, X>(
  work: (args: A, extra: X) => Promise<Record<string, unknown>> | Record<string, unknown>,
): (args: A, extra: X) => Promise<CallToolResult> {
  return async (args, extra) => {
    try {
      return structured(await work(args, extra));
    } catch (error) {
      return toolError(error);
    }
  };
}

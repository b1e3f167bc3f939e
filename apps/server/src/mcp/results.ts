import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorCode, errorMessage } from '../errors.js';

/** A tool answer with the same data as structured content and as JSON text for older clients. */
export function structured(data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

/**
 * A tool error the model can act on: `isError: true`, the stable code and the message. No
 * structured content, since it would not match the tool's output schema.
 */
export function toolError(error: unknown): CallToolResult {
  return {
    content: [{ type: 'text', text: `[${errorCode(error)}] ${errorMessage(error)}` }],
    isError: true,
  };
}

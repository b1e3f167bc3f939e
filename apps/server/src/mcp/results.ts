import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/server';
import { errorCode, errorMessage } from '../errors.js';

/** A tool answer with the same data as structured content and as JSON text for older clients. */
export function structured(data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

/**
 * A tool answer with content of its own (a peer's blocks, passed on as they are) and `data` as
 * its structured content.
 */
export function withContent(
  content: ContentBlock[],
  data: Record<string, unknown>,
): CallToolResult {
  return { content, structuredContent: data };
}

/** Milliseconds as answers show them: to the hundredth (`16.78`, not `16.78231300000334`). */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
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

import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  PeerDisconnectedError,
  PeerTimeoutError,
  PeerToolError,
  PeerUnavailableError,
  XServerError,
} from '../errors.js';
import type { PeerConnection } from './connection.js';

/** The text parts of a tool result's content, for an error message. */
export function textOf(content: unknown): string {
  if (!Array.isArray(content)) return 'no details';
  const texts = content
    .filter((part): part is { type: 'text'; text: string } => part?.type === 'text')
    .map((part) => part.text);
  return texts.length ? texts.join(' ') : 'no details';
}

export interface FailedRequest {
  peer: string;
  /** The tool called, or the method (`tools/list`). */
  tool: string;
  /** The peer's `timeoutMs`, for the timeout's message. */
  timeoutMs: number;
  /** The connection the request went over, if one was borrowed. */
  connection: PeerConnection | undefined;
  /** The caller's signal: a request it cancelled keeps its reason. */
  signal: AbortSignal | undefined;
}

/**
 * A failed request to a peer in this server's terms: the SDK's protocol errors become
 * `PEER_DISCONNECTED`, `PEER_TIMEOUT` or `PEER_TOOL_ERROR`; anything below the protocol (fetch
 * failed, HTTP 404 for a session the peer forgot) marks the connection broken and becomes
 * `PEER_UNAVAILABLE`. The caller's own cancellation (or a breaker timeout) keeps its reason.
 */
export function translatePeerError(error: unknown, request: FailedRequest): unknown {
  const { peer, tool, connection } = request;
  if (request.signal?.aborted || error instanceof XServerError) return error;
  if (!(error instanceof McpError)) {
    connection?.markBroken();
    return new PeerUnavailableError(peer, error);
  }
  if (error.code === ErrorCode.ConnectionClosed || connection?.closed) {
    return new PeerDisconnectedError(peer, tool, error);
  }
  if (error.code === ErrorCode.RequestTimeout) {
    return new PeerTimeoutError(peer, tool, request.timeoutMs);
  }
  if (error.code === ErrorCode.InvalidParams) return new PeerToolError(peer, tool, error.message);
  return error;
}

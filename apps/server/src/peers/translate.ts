import {
  PeerDisconnectedError,
  PeerTimeoutError,
  PeerToolError,
  PeerUnavailableError,
  XServerError,
} from '../errors.js';
import { clientSdk, type PeerConnection } from './connection.js';

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
 * A failed request to a peer in this server's terms: the SDK's errors become
 * `PEER_DISCONNECTED` (the connection closed), `PEER_TIMEOUT` (no answer in time) or
 * `PEER_TOOL_ERROR` (the peer refused the params, or needs input from a client that the
 * gateway does not give); anything below the protocol (fetch failed, an
 * HTTP error such as 404 for a session the peer forgot, a send that failed) marks the connection
 * broken and becomes `PEER_UNAVAILABLE`. Other protocol errors the peer answered pass through.
 * The caller's own cancellation (or a breaker timeout) keeps its reason.
 */
export function translatePeerError(error: unknown, request: FailedRequest): unknown {
  const { peer, tool, connection } = request;
  if (request.signal?.aborted || error instanceof XServerError) return error;
  const sdk = clientSdk();
  const sdkCode = sdk && error instanceof sdk.SdkError ? error.code : undefined;
  const timedOut = sdk !== undefined && sdkCode === sdk.SdkErrorCode.RequestTimeout;
  const lost = sdk !== undefined && sdkCode === sdk.SdkErrorCode.ConnectionClosed;
  const answered = sdk && error instanceof sdk.ProtocolError ? error : undefined;
  if (!answered && !timedOut && !lost) {
    // Below the protocol: the transport's SdkErrors (`ClientHttp*`, `SendFailed`…) or plain ones.
    connection?.markBroken();
    return new PeerUnavailableError(peer, error);
  }
  if (lost || connection?.closed) return new PeerDisconnectedError(peer, tool, error);
  if (timedOut) return new PeerTimeoutError(peer, tool, request.timeoutMs);
  // The peer refused the params, or (2026-07-28) asked for input from a client: the gateway has
  // no elicitation, sampling or roots to answer with. Either way the peer works.
  const refused = [
    sdk?.ProtocolErrorCode.InvalidParams,
    sdk?.ProtocolErrorCode.MissingRequiredClientCapability,
  ];
  if (answered && refused.includes(answered.code)) {
    return new PeerToolError(peer, tool, answered.message);
  }
  return error;
}

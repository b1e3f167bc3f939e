import type { JSONRPCMessage } from '@modelcontextprotocol/client';

/*
 * Newline-delimited JSON-RPC as stdio carries it, read the cheap way: one JSON.parse per line and
 * a check of the envelope. The SDK's Protocol validates each message again with its schemas (and
 * answers or reports what it cannot place), so a transport's own zod parse of every message is
 * work done twice.
 */

/** Longest line (message) read over stdio: the SDK's stdio limit. */
export const MAX_LINE_CHARS = 10 * 1024 * 1024;

/**
 * A JSON-RPC message as the SDK's Protocol takes it: an object naming `jsonrpc: "2.0"` that is a
 * request or notification (`method`), or a response (`id` and `result` or `error`). The SDK's
 * Protocol classifies every message again with its schemas (and reports what it cannot place),
 * so the transport checks the envelope only, not with a second zod parse of the whole message.
 */
export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return false;
  if (typeof message.method === 'string') return true;
  return 'result' in message || 'error' in message;
}

/**
 * Newline-delimited JSON-RPC over stdio (from a peer, or from x-server's own client), decoded as
 * it arrives: UTF-8 split across chunks is kept whole (a streaming decoder), a line is cut out of
 * the text only once it is complete.
 */
export class LineReader {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #from: string;
  #pending = '';

  /** `from` names the sender in the error about an overlong line (`the peer`, `the client`). */
  constructor(from = 'the peer') {
    this.#from = from;
  }

  /** The complete lines of `chunk` (with what came before it), without their line ends. */
  push(chunk: Uint8Array): string[] {
    const piece = this.#decoder.decode(chunk, { stream: true });
    // Only the new text is searched: a long message read in many chunks is scanned once.
    const last = piece.lastIndexOf('\n');
    if (last === -1) {
      this.#pending += piece;
      if (this.#pending.length > MAX_LINE_CHARS) {
        this.clear();
        throw new Error(`A message from ${this.#from} exceeds ${MAX_LINE_CHARS} characters.`);
      }
      return [];
    }
    const lines = (this.#pending + piece.slice(0, last)).split('\n');
    this.#pending = piece.slice(last + 1);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    return lines;
  }

  clear(): void {
    this.#pending = '';
    // A character cut short by the peer's end is dropped with the rest.
    this.#decoder.decode();
  }
}

/**
 * One line read over stdio: its JSON-RPC message; `undefined` for a line to skip (blank, or not
 * JSON: a stray log line, as the SDK's reader skips it); an error for JSON that is not JSON-RPC.
 * `from` names the sender in that error (`the peer`, `the client`).
 */
export function parseLine(line: string, from: string): JSONRPCMessage | Error | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (isJsonRpcMessage(value)) return value;
  return new Error(`Not a JSON-RPC message from ${from}: ${line.slice(0, 200)}`);
}

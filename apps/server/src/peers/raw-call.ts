import type { Client, JSONRPCMessage, Transport } from '@modelcontextprotocol/client';

type ClientSdk = typeof import('@modelcontextprotocol/client');
type Obj = Record<string, unknown>;

/** Ids of raw calls: strings, which the SDK's numeric request ids can never be. */
const ID_PREFIX = 'x-server:';

export interface RawCallOptions {
  signal: AbortSignal;
  timeout: number;
}

/** What the SDK's `codec.decodeResult` answers (its `DecodedResult`). */
type Decoded =
  | { kind: 'complete'; result: Obj }
  | { kind: 'invalid'; error: Error }
  | { kind: 'input_required'; inputRequests: Obj; requestState?: string; _meta?: Obj };

/** The SDK Protocol's own helpers the raw leg sends and decodes with (protected in its types). */
interface ProtocolInternals {
  _envelopeOutbound(message: Obj): Obj;
  _wireCodec(): { decodeResult(method: string, raw: unknown): Decoded };
}

interface Pending {
  resolve: (result: Obj) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
  signal: AbortSignal;
  onAbort: () => void;
}

const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `tools/call` to a peer without the SDK client's request machinery: no zod guard per incoming
 * message, no zod parse of an ordinary result. The reference is the SDK's own funnel
 * (`Protocol._requestWithSchemaViaCodec` with `allowInputRequired`, then `_onresponse`,
 * `_onclose`), which this repeats step for step:
 *
 * - out: `{ method, params, jsonrpc, id }` through the SDK's `_envelopeOutbound` (the 2026-07-28
 *   `_meta` envelope; the message unchanged in 2025), sent with the same send options; on a
 *   2026-07-28 connection over a transport with per-request streams (Streamable HTTP) the send
 *   carries a `requestSignal` that cancellation aborts, as the SDK does;
 * - an error answer: `ProtocolError.fromError(code, message, data)`;
 * - a result: an ordinary one (text blocks, optional `isError`, `_meta`) is checked here and
 *   passed on as the peer sent it (less `resultType`), which is what the SDK's parse gives for
 *   it; anything else goes through the SDK's own `codec.decodeResult` and the spec's
 *   `CallToolResult` schema (`SdkError` `InvalidResult` when it fails), `input_required`
 *   answered as `allowInputRequired` does;
 * - the timeout (not unref'd: a caller awaits it) and the caller's abort send
 *   `notifications/cancelled` (or abort the request's stream) and reject as the SDK's `cancel`;
 *   the transport's close rejects with `SdkError` `ConnectionClosed`.
 *
 * Responses to other ids, requests and notifications from the peer go to the SDK unchanged.
 */
export class RawCalls {
  readonly #client: Client;
  readonly #internals: ProtocolInternals;
  readonly #sdk: ClientSdk;
  readonly #modern: boolean;
  /** Cancellation aborts the request's own stream instead of sending `notifications/cancelled`. */
  readonly #perRequestStream: boolean;
  readonly #pending = new Map<string, Pending & { stream?: AbortController }>();
  #next = 0;

  private constructor(client: Client, transport: Transport, sdk: ClientSdk) {
    this.#client = client;
    this.#internals = client as unknown as ProtocolInternals;
    this.#sdk = sdk;
    this.#modern = client.getProtocolEra() === 'modern';
    this.#perRequestStream =
      this.#modern &&
      (transport as Transport & { hasPerRequestStream?: boolean }).hasPerRequestStream === true;
  }

  /**
   * Hooks the raw leg into a connected client's transport: the responses to its own ids are
   * taken out before the SDK's Protocol sees them, its pending calls fail when the transport
   * closes. Undefined (the SDK's path stays) when the SDK lacks the helpers it reuses.
   */
  static install(client: Client, transport: Transport, sdk: ClientSdk): RawCalls | undefined {
    const internals = client as unknown as Partial<ProtocolInternals>;
    if (typeof internals._envelopeOutbound !== 'function') return undefined;
    if (typeof internals._wireCodec !== 'function') return undefined;
    const sdkMessage = transport.onmessage;
    const sdkClose = transport.onclose;
    if (!sdkMessage) return undefined;
    const raw = new RawCalls(client, transport, sdk);
    transport.onmessage = (message, extra) => {
      if (!raw.#take(message)) sdkMessage(message, extra);
    };
    transport.onclose = () => {
      try {
        sdkClose?.();
      } finally {
        raw.#closed();
      }
    };
    return raw;
  }

  /** Calls in progress on the raw leg. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Sends `tools/call` with `params`; answers as the SDK's `request()` would. */
  call(params: Obj, options: RawCallOptions): Promise<Obj> {
    return new Promise<Obj>((resolve, reject) => {
      const { SdkError, SdkErrorCode } = this.#sdk;
      if (this.#client.transport === undefined) {
        reject(new Error('Not connected'));
        return;
      }
      const { signal, timeout } = options;
      if (signal.aborted) {
        const reason = signal.reason;
        reject(
          reason instanceof SdkError
            ? reason
            : new SdkError(SdkErrorCode.RequestTimeout, `${reason}`),
        );
        return;
      }
      const id = `${ID_PREFIX}${++this.#next}`;
      const stream = this.#perRequestStream ? new AbortController() : undefined;
      const message = this.#internals._envelopeOutbound({
        method: 'tools/call',
        params,
        jsonrpc: '2.0',
        id,
      });
      const onAbort = () => this.#cancel(id, signal.reason);
      // Ref'd: a caller awaits the work it guards; cleared when the call settles.
      const timer = setTimeout(
        () =>
          this.#cancel(
            id,
            new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out', { timeout }),
          ),
        timeout,
      );
      this.#pending.set(id, {
        resolve,
        reject,
        timer,
        signal,
        onAbort,
        ...(stream ? { stream } : {}),
      });
      signal.addEventListener('abort', onAbort, { once: true });
      this.#client.transport
        .send(message as JSONRPCMessage, {
          relatedRequestId: undefined,
          resumptionToken: undefined,
          onresumptiontoken: undefined,
          headers: undefined,
          requestSignal: stream?.signal,
        })
        .catch((error: unknown) => {
          if (this.#settle(id)) reject(error);
        });
    });
  }

  /** Takes the entry of a call that ends now; undefined when it already ended. */
  #settle(id: string): (Pending & { stream?: AbortController }) | undefined {
    const entry = this.#pending.get(id);
    if (!entry) return undefined;
    this.#pending.delete(id);
    clearTimeout(entry.timer);
    entry.signal.removeEventListener('abort', entry.onAbort);
    return entry;
  }

  /** The SDK's `cancel`: tell the peer (or abort the request's stream), reject with the reason. */
  #cancel(id: string, reason: unknown): void {
    const entry = this.#settle(id);
    if (!entry) return;
    const { SdkError, SdkErrorCode } = this.#sdk;
    if (entry.stream) entry.stream.abort();
    else {
      const cancelled = this.#internals._envelopeOutbound({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: String(reason) },
      });
      this.#client.transport
        ?.send(cancelled as JSONRPCMessage, {
          relatedRequestId: undefined,
          resumptionToken: undefined,
          onresumptiontoken: undefined,
        })
        .catch((error: unknown) =>
          this.#client.onerror?.(new Error(`Failed to send cancellation: ${error}`)),
        );
    }
    entry.reject(
      reason instanceof SdkError
        ? reason
        : new SdkError(SdkErrorCode.RequestTimeout, String(reason)),
    );
  }

  /**
   * A response to one of the raw calls in progress, as the SDK's guards would classify it
   * (`isJSONRPCResultResponse` / `isJSONRPCErrorResponse`: strict envelopes), settles that call.
   * Anything else, a malformed answer included, is the SDK's to handle (and report).
   */
  #take(message: JSONRPCMessage): boolean {
    const m = message as Obj;
    const id = m.id;
    if (typeof id !== 'string' || !id.startsWith(ID_PREFIX) || !this.#pending.has(id)) return false;
    const kind = responseKind(m);
    if (kind === undefined) return false;
    const entry = this.#settle(id)!;
    if (kind === 'error') {
      const error = m.error as { code: number; message: string; data?: unknown };
      entry.reject(this.#sdk.ProtocolError.fromError(error.code, error.message, error.data));
      return true;
    }
    const result = m.result as Obj;
    const plain = plainResult(result, this.#modern, this.#sdk.SERVER_INFO_META_KEY);
    if (plain) entry.resolve(plain);
    else this.#decode(result).then(entry.resolve, entry.reject);
    return true;
  }

  /** The SDK's own decoding of a result the quick check does not vouch for. */
  async #decode(raw: Obj): Promise<Obj> {
    let decoded: Decoded;
    try {
      decoded = this.#internals._wireCodec().decodeResult('tools/call', raw);
    } catch (error) {
      throw error instanceof Error ? error : new Error(String(error));
    }
    if (decoded.kind === 'invalid') throw decoded.error;
    if (decoded.kind === 'input_required') {
      // The SDK's `manualInputRequiredValue` (the raw leg always runs with allowInputRequired).
      return {
        resultType: 'input_required',
        inputRequests: decoded.inputRequests,
        ...(decoded.requestState !== undefined && { requestState: decoded.requestState }),
        ...(decoded._meta !== undefined && { _meta: decoded._meta }),
      };
    }
    const { SdkError, SdkErrorCode, specTypeSchemas } = this.#sdk;
    const checked = await specTypeSchemas.CallToolResult['~standard'].validate(decoded.result);
    if (checked.issues && checked.issues.length > 0) {
      const issues = checked.issues.map(formatIssue).join(', ');
      throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for tools/call: ${issues}`);
    }
    return (checked as { value: Obj }).value;
  }

  /** The SDK's `_onclose` for the raw calls: each fails with `ConnectionClosed`. */
  #closed(): void {
    if (this.#pending.size === 0) return;
    const { SdkError, SdkErrorCode } = this.#sdk;
    const error = new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(error);
  }
}

/** The SDK's `formatIssue` (its message for a schema failure). */
function formatIssue(issue: {
  message: string;
  path?: readonly (PropertyKey | { key: PropertyKey })[] | undefined;
}): string {
  if (!issue.path?.length) return issue.message;
  const path = issue.path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
  return `${path}: ${issue.message}`;
}

/**
 * `result` or `error`, as the SDK's strict zod guards classify a response: exactly `jsonrpc`,
 * `id` and one of them; a result is an object (its `_meta` too); an error has an integer `code`
 * and a string `message`. Undefined for anything else.
 */
function responseKind(m: Obj): 'result' | 'error' | undefined {
  if (m.jsonrpc !== '2.0') return undefined;
  let keys = 0;
  for (const key in m) {
    if (key !== 'jsonrpc' && key !== 'id' && key !== 'result' && key !== 'error') return undefined;
    keys++;
  }
  if (keys !== 3) return undefined;
  if ('result' in m) {
    const result = m.result;
    return isObject(result) && (result._meta === undefined || isObject(result._meta))
      ? 'result'
      : undefined;
  }
  const error = m.error;
  if (!isObject(error)) return undefined;
  return Number.isSafeInteger(error.code) && typeof error.message === 'string'
    ? 'error'
    : undefined;
}

/**
 * The result as the SDK's decoding and `CallToolResult` parse would give it, for the ordinary
 * shapes whose parse changes nothing (so it can be skipped): an object (with `resultType:
 * 'complete'` in 2026-07-28), `content` an array of text blocks (`type`, `text`, an optional
 * `_meta` object: nothing the parse would strip), `isError` a boolean if there, `_meta` an
 * object whose `serverInfo`, if there, has only string fields (no `icons`). `resultType` is left
 * out, as the SDK lifts it. Undefined for anything else: the SDK's own decoding decides.
 */
export function plainResult(raw: Obj, modern: boolean, serverInfoKey: string): Obj | undefined {
  if (modern ? raw.resultType !== 'complete' : !isObject(raw)) return undefined;
  const content = raw.content;
  if (!Array.isArray(content)) return undefined;
  for (const block of content) if (!plainText(block)) return undefined;
  if (raw.isError !== undefined && typeof raw.isError !== 'boolean') return undefined;
  const meta = raw._meta;
  if (meta !== undefined && !(isObject(meta) && plainServerInfo(meta[serverInfoKey]))) {
    return undefined;
  }
  if (!('resultType' in raw)) return raw;
  const { resultType: _lifted, ...result } = raw;
  return result;
}

function plainText(block: unknown): boolean {
  if (!isObject(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
  for (const key in block) {
    if (key !== 'type' && key !== 'text' && key !== '_meta') return false;
  }
  return block._meta === undefined || isObject(block._meta);
}

/** Absent, or an `Implementation` of string fields only (the SDK's parse keeps it as it is). */
function plainServerInfo(info: unknown): boolean {
  if (info === undefined) return true;
  if (!isObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string') {
    return false;
  }
  for (const key in info) {
    if (key === 'name' || key === 'version') continue;
    if (key !== 'title' && key !== 'websiteUrl' && key !== 'description') return false;
    if (typeof info[key] !== 'string') return false;
  }
  return true;
}

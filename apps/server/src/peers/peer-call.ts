import type { ClientRequestMethod, ToolContext } from '../catalog/index.js';
import { clientSdk, loadClientSdk, type PeerConnection } from './connection.js';
import { RelayError } from './relay.js';

/** The fields of a peer's `tools/call` result the gateway reads. */
export interface PeerCallResult {
  content: import('../catalog/index.js').ContentAnswer['content'];
  structuredContent?: unknown;
  isError?: boolean;
}

const SEVERITY = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Rounds of `input_required` one call may take before it fails (the SDK client's default). */
export const MAX_INPUT_ROUNDS = 10;

const INPUT_METHODS: readonly string[] = [
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
];

/**
 * Sends `tools/call` to a peer for one call, with what the call's client brings to it: its
 * requests and log lines are relayed back to that client (the connection's relay, for a
 * 2025-era peer; the call's own `input_required` rounds, for a 2026-07-28 one), its log level
 * reaches the peer (per request in 2026-07-28; `logging/setLevel` on a 2025-era connection,
 * which only ever lowers it: x-server filters each line by its caller's level), and its declared
 * capabilities are the ones a 2026-07-28 peer sees for the call.
 */
export async function callPeerTool(
  connection: PeerConnection,
  call: { tool: string; params: unknown; meta: Record<string, string> | undefined },
  ctx: ToolContext,
  timeoutMs: number,
): Promise<PeerCallResult> {
  const { client } = connection;
  const caller = ctx.client;
  const modern = client.getProtocolEra() === 'modern';
  const level = caller?.logLevel();
  const meta: Record<string, unknown> = { ...call.meta };
  if (modern && caller) {
    const sdk = await loadClientSdk();
    meta[sdk.CLIENT_CAPABILITIES_META_KEY] = caller.capabilities() ?? {};
    if (level) meta[sdk.LOG_LEVEL_META_KEY] = level;
  } else if (level && client.getServerCapabilities()?.logging) {
    const current = connection.logLevel;
    if (current === undefined || SEVERITY.indexOf(level) < SEVERITY.indexOf(current)) {
      connection.logLevel = level;
      await client.setLoggingLevel(level as never, { timeout: timeoutMs, signal: ctx.signal });
    }
  }
  // x-server's own token and listener (peer-progress.ts), not the SDK's `onprogress`: the SDK
  // drops its listener with the response, losing a last progress read in the same chunk.
  const onProgress = ctx.onProgress;
  const progress = onProgress
    ? connection.progress.add(({ progress, total, message }) =>
        onProgress({
          progress: progress as number,
          ...(total === undefined ? {} : { total: total as number }),
          ...(message === undefined ? {} : { message: message as string }),
        }),
      )
    : undefined;
  if (progress) meta.progressToken = progress.token;
  const options = { signal: ctx.signal, timeout: timeoutMs };
  const params = {
    name: call.tool,
    arguments: (call.params ?? {}) as Record<string, unknown>,
    ...(Object.keys(meta).length ? { _meta: meta } : {}),
  };
  const done = connection.relay.add(caller);
  try {
    // A 2026-07-28 call without a client keeps `callTool` (its `Mcp-Param-*` header mirroring).
    if (modern && !caller) return (await client.callTool(params, options)) as PeerCallResult;
    if (!modern)
      return (await requestCall(connection, params, options)) as unknown as PeerCallResult;
    return await callWithInput(connection, params, options, ctx);
  } finally {
    done();
    progress?.release();
  }
}

/**
 * `tools/call` on the connection's raw leg (raw-call.ts): the SDK's request funnel repeated
 * without its zod guard per message and zod parse per ordinary result. The raw leg answers
 * `input_required` as `allowInputRequired` does, which is how every call reaching here in
 * 2026-07-28 asks for it (a 2025-era peer never answers it).
 *
 * The SDK's path stays where the raw leg is not installed (an SDK without the helpers it
 * reuses): `tools/call` checked once against the spec's `CallToolResult`. Without a schema the
 * SDK builds a validator per request, first probing its registry with a parse of `undefined`
 * that fails (a zod error per call); the peer tool's output schema is checked by the tool
 * (peer-tool.ts).
 */
async function requestCall(
  connection: PeerConnection,
  params: Record<string, unknown>,
  options: { signal: AbortSignal; timeout: number; allowInputRequired?: boolean },
): Promise<Record<string, unknown>> {
  if (connection.raw) return connection.raw.call(params, options);
  // Loaded by the connection's open: no await (a microtask) per call.
  const sdk = clientSdk() ?? (await loadClientSdk());
  return (await connection.client.request(
    { method: 'tools/call', params } as never,
    sdk.specTypeSchemas.CallToolResult as never,
    options,
  )) as Record<string, unknown>;
}

/**
 * A 2026-07-28 call whose peer may answer `input_required`: each round's requests are asked of
 * the call's client and the call retried with its answers (and the peer's `requestState`).
 */
async function callWithInput(
  connection: PeerConnection,
  params: Record<string, unknown>,
  options: { signal: AbortSignal; timeout: number },
  ctx: ToolContext,
): Promise<PeerCallResult> {
  const caller = ctx.client!;
  let retry = params;
  for (let round = 0; ; round++) {
    const result = await requestCall(connection, retry, { ...options, allowInputRequired: true });
    if (result.resultType !== 'input_required') return result as unknown as PeerCallResult;
    if (round >= MAX_INPUT_ROUNDS) {
      throw new RelayError(
        -32603,
        `The peer still required input after ${MAX_INPUT_ROUNDS} rounds.`,
      );
    }
    const requests = (result.inputRequests ?? {}) as Record<string, Record<string, unknown>>;
    const answers = await Promise.all(
      Object.entries(requests).map(async ([key, request]) => {
        const method = request.method as ClientRequestMethod;
        if (!INPUT_METHODS.includes(method)) {
          throw new RelayError(-32603, `The peer asked for input of an unknown kind: ${method}.`);
        }
        const params = request.params as Record<string, unknown> | undefined;
        const answer = await caller.request({ method, ...(params ? { params } : {}) }, ctx.signal);
        return [key, answer] as const;
      }),
    );
    retry = {
      ...params,
      ...(answers.length ? { inputResponses: Object.fromEntries(answers) } : {}),
      ...(typeof result.requestState === 'string' ? { requestState: result.requestState } : {}),
    };
  }
}

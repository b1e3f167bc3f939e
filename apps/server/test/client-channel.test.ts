import {
  type CallToolResult,
  isInputRequiredResult,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callsAwaitingInput, INPUT_WAIT_MS, serveWithClient } from '../src/mcp/client-channel.js';
import type { CallContext } from '../src/mcp/tool-kit.js';

// The 2026-07-28 side of a call whose work asks the client for input: it answers input_required,
// waits across the client's retries (found by the requestState it minted), and is cancelled when
// the client never comes back. SDK contexts are stand-ins; the e2e tests run the real thing.

/** A 2026-07-28 request's context: its envelope names the version; retries carry answers. */
function modernLeg(retry?: { state: string; responses?: Record<string, unknown> }) {
  const controller = new AbortController();
  const ctx = {
    mcpReq: {
      id: 1,
      method: 'tools/call',
      _meta: {},
      envelope: { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' },
      signal: controller.signal,
      requestState: () => retry?.state,
      ...(retry?.responses ? { inputResponses: retry.responses } : {}),
      notify: async () => {},
      log: async () => {},
      send: async () => {
        throw new Error('a 2026-07-28 request sends nothing to its client');
      },
    },
  } as unknown as ServerContext;
  return { ctx, controller };
}

const options = (capabilities: Record<string, unknown> = { sampling: {}, roots: {} }) => ({
  sessionLevel: () => undefined,
  capabilities: () => capabilities,
});

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** Work that asks the client to sample once, and answers with what the client said. */
function sampling(seen: { signal?: AbortSignal }) {
  return async (context: CallContext): Promise<CallToolResult> => {
    seen.signal = context.signal;
    const answer = await context.client!.request({
      method: 'sampling/createMessage',
      params: { messages: [], maxTokens: 5 },
    });
    return text(`client said ${JSON.stringify(answer)}`);
  };
}

describe('serveWithClient: a 2026-07-28 call asking its client for input', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers input_required, then the retry with the answer gets the work’s result', async () => {
    const first = await serveWithClient(modernLeg().ctx, options(), sampling({}));

    expect(isInputRequiredResult(first)).toBe(true);
    const { inputRequests, requestState } = first as {
      inputRequests: Record<string, { method: string }>;
      requestState: string;
    };
    const [[key, request]] = Object.entries(inputRequests) as [[string, { method: string }]];
    expect(request.method).toBe('sampling/createMessage');
    expect(callsAwaitingInput()).toBe(1);

    const retry = modernLeg({ state: requestState, responses: { [key]: { model: 'm' } } });
    const second = await serveWithClient(retry.ctx, options(), () => {
      throw new Error('a retry resumes the call, it does not start the work again');
    });

    expect(second).toEqual(text('client said {"model":"m"}'));
    expect(callsAwaitingInput()).toBe(0);
  });

  it('refuses a requestState it did not mint or that was used already', async () => {
    const unknown = modernLeg({ state: 'x-server:00000000-0000-4000-8000-000000000000' });

    await expect(serveWithClient(unknown.ctx, options(), sampling({}))).rejects.toSatisfy(
      (error) => error instanceof ProtocolError && error.code === -32602,
    );
  });

  it('refuses at once what the client did not declare: no input_required', async () => {
    const result = await serveWithClient(modernLeg().ctx, options({}), async (context) => {
      const refused = await context.client!.request({ method: 'roots/list' }).then(
        () => 'answered',
        (error: { code?: number; message: string }) => `${error.code} ${error.message}`,
      );
      return text(refused);
    });

    expect(result).toEqual(
      text(
        '-32601 The client of this call did not declare the "roots" capability roots/list needs.',
      ),
    );
  });

  it('cancels the call when the client never comes back with its input', async () => {
    vi.useFakeTimers();
    const seen: { signal?: AbortSignal } = {};
    const first = await serveWithClient(modernLeg().ctx, options(), sampling(seen));
    expect(isInputRequiredResult(first)).toBe(true);

    await vi.advanceTimersByTimeAsync(INPUT_WAIT_MS - 1);
    expect(seen.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(seen.signal?.aborted).toBe(true);
    expect(callsAwaitingInput()).toBe(0);
  });

  it('cancels the work when the leg being served is cancelled', async () => {
    const leg = modernLeg();
    const seen: { signal?: AbortSignal } = {};
    const served = serveWithClient(leg.ctx, options(), async (context) => {
      seen.signal = context.signal;
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
      return text('stopped');
    });

    leg.controller.abort('cancelled by the client');

    await expect(served).resolves.toEqual(text('stopped'));
    expect(seen.signal?.reason).toBe('cancelled by the client');
  });
});

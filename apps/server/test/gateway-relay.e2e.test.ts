import {
  type CallToolResult,
  Client,
  type ClientCapabilities,
  LOG_LEVEL_META_KEY,
  StreamableHTTPClientTransport,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { EVERYTHING_BIN } from './gateway-helpers.js';
import { closeAfterTest, errorText, type HttpHarness, MODERN, startHttp } from './helpers.js';

// A peer's requests to the client during a call (sampling, elicitation in form and URL mode,
// roots) reach the client whose call caused them, and the peer gets that client's answers: the
// same requests and answers as with the client connected to the peer directly. The peer is
// server-everything over stdio (a 2025-era server nobody here wrote); the client speaks 2025
// (a session) or 2026-07-28 (input_required) to x-server.

const everything = { command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] };
const LEGACY: VersionNegotiationMode = 'legacy';
const ERAS = [
  { era: '2025-11-25', mode: LEGACY },
  { era: '2026-07-28', mode: MODERN },
];

const ALL: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};
const ROOTS = [{ uri: 'file:///work/project', name: 'project' }];

interface Seen {
  method: string;
  params: Record<string, unknown> | undefined;
}

/** An SDK 2 client that answers sampling, elicitation and roots, and notes what it was asked. */
function askedClient(mode: VersionNegotiationMode, capabilities: ClientCapabilities = ALL) {
  const seen: Seen[] = [];
  const logs: { level: string; data: unknown; logger?: string }[] = [];
  const client = new Client(
    { name: 'relay-test', version: '1.0.0' },
    { capabilities, versionNegotiation: { mode } },
  );
  closeAfterTest(() => client.close());
  const note = (method: string, params: unknown) => {
    const { _meta, ...rest } = (params ?? {}) as Record<string, unknown>;
    seen.push({ method, params: Object.keys(rest).length ? rest : undefined });
  };
  if (capabilities.sampling) {
    client.setRequestHandler('sampling/createMessage', (request) => {
      note(request.method, request.params);
      return {
        role: 'assistant',
        content: { type: 'text', text: 'a sampled answer' },
        model: 'test-model',
        stopReason: 'endTurn',
      };
    });
  }
  if (capabilities.elicitation) {
    client.setRequestHandler('elicitation/create', (request) => {
      note(request.method, request.params);
      return request.params.mode === 'url'
        ? { action: 'accept' }
        : { action: 'accept', content: { name: 'Ada', check: true } };
    });
  }
  if (capabilities.roots) {
    client.setRequestHandler('roots/list', (request) => {
      note(request.method, request.params);
      return { roots: ROOTS };
    });
  }
  client.setNotificationHandler('notifications/message', (notification) => {
    logs.push(notification.params);
  });
  return { client, seen, logs };
}

/** The text blocks of a result. */
function texts(result: unknown): string[] {
  return ((result as CallToolResult).content ?? [])
    .filter((block) => block.type === 'text')
    .map((block) => (block as { text: string }).text);
}

/**
 * The requests of the tool itself: server-everything also lists the roots once, 350 ms after
 * initialize; when a call is in flight then, that request reaches the caller too.
 */
const own = (seen: Seen[]) => seen.filter((request) => request.method !== 'roots/list');

/** A call on server-everything with a client connected to it directly (no gateway). */
async function direct(tool: string, args: Record<string, unknown>) {
  const asked = askedClient(LEGACY);
  await asked.client.connect(new StdioClientTransport({ ...everything, stderr: 'pipe' }));
  const result = await asked.client.callTool({ name: tool, arguments: args });
  await asked.client.close();
  // server-everything also lists the roots once after initialize, outside any call: through
  // x-server that request is refused (no call to relay it to), so it is left out here.
  return { seen: own(asked.seen), texts: texts(result) };
}

describe.each(ERAS)(
  'requests from a peer to the client through x-server ($era client)',
  ({ era, mode }) => {
    let server: HttpHarness | undefined;

    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    async function through(
      tool: string,
      params: Record<string, unknown>,
      capabilities: ClientCapabilities = ALL,
    ) {
      server ??= await startHttp({ builtins: [], peers: { everything } });
      const asked = askedClient(mode, capabilities);
      await asked.client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      const result = await asked.client.callTool({
        name: 'dispatch',
        arguments: { category: 'everything', tool, params },
        // A 2026-07-28 client asks for log lines per request (a 2025 session gets info and above).
        _meta: { [LOG_LEVEL_META_KEY]: 'info' },
      });
      return { ...asked, result, texts: texts(result) };
    }

    it('sampling: the client gets the peer request, the peer gets the client answer', async () => {
      const params = { prompt: 'Say hi', maxTokens: 7 };
      const expected = await direct('trigger-sampling-request', params);

      const got = await through('trigger-sampling-request', params);

      expect(own(got.seen)).toEqual(expected.seen);
      expect(expected.seen[0]?.method).toBe('sampling/createMessage');
      expect(got.texts).toEqual(expected.texts);
      expect(got.texts[0]).toContain('a sampled answer');
    });

    it('elicitation in form mode: the same request and answer as directly', async () => {
      const expected = await direct('trigger-elicitation-request', {});

      const got = await through('trigger-elicitation-request', {});

      // The SDK client x-server reaches the peer with fills in form mode, the default, when the
      // peer leaves it out: the same request.
      const formMode = (seen: Seen[]) =>
        seen.map(({ method, params }) => ({ method, params: { mode: 'form', ...params } }));
      expect(formMode(own(got.seen))).toEqual(formMode(expected.seen));
      expect(expected.seen[0]?.params?.requestedSchema).toBeDefined();
      expect(got.texts).toEqual(expected.texts);
      expect(got.texts.join('\n')).toContain('- Name: Ada');
    });

    it('elicitation in URL mode: the same request and answer as directly', async () => {
      const params = { url: 'https://example.com/consent', elicitationId: 'e-1' };
      const expected = await direct('trigger-url-elicitation', params);

      const got = await through('trigger-url-elicitation', params);

      if (era === '2026-07-28') {
        // The 2026-07-28 in-band URL elicitation carries no elicitationId (the SDK drops it).
        const { elicitationId, ...rest } = expected.seen[0]!.params!;
        expect(elicitationId).toBe('e-1');
        expect(own(got.seen)).toEqual([{ method: 'elicitation/create', params: rest }]);
      } else {
        expect(own(got.seen)).toEqual(expected.seen);
      }
      expect(expected.seen[0]?.params).toMatchObject({ mode: 'url', url: params.url });
      expect(got.texts).toEqual(expected.texts);
    });

    it("roots: the peer lists the calling client's roots, and its log line reaches the caller", async () => {
      const got = await through('get-roots-list', {});

      expect(got.seen).toEqual([{ method: 'roots/list', params: undefined }]);
      expect(got.texts[0]).toContain('Current MCP Roots (1 total)');
      expect(got.texts[0]).toContain('file:///work/project');
      expect(got.logs).toContainEqual(
        expect.objectContaining({ level: 'info', data: expect.stringContaining('Roots updated') }),
      );
    });

    it('a client without the capability: the peer gets the protocol error and the call answers what the peer answers', async () => {
      const got = await through('trigger-sampling-request', { prompt: 'Say hi' }, {});

      expect(got.seen).toEqual([]);
      const text = errorText(got.result);
      expect(text).toMatch(/PEER_TOOL_ERROR/);
      expect(text).toContain('did not declare the "sampling" capability');
    });

    it("the peer's progress reaches the caller under the caller's token", async () => {
      server ??= await startHttp({ builtins: [], peers: { everything } });
      const asked = askedClient(mode);
      await asked.client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      const progress: number[] = [];

      await asked.client.callTool(
        {
          name: 'dispatch',
          arguments: {
            category: 'everything',
            tool: 'trigger-long-running-operation',
            params: { duration: 0.2, steps: 4 },
          },
        },
        { onprogress: ({ progress: value }) => progress.push(value) },
      );

      // The peer sends its last progress right before its result; the SDK Client handles
      // notifications a microtask after responses, so it may drop that last one (SDK behaviour).
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress).toEqual([1, 2, 3, 4].slice(0, progress.length));
    });
  },
);

import {
  Client,
  type ClientCapabilities,
  InMemoryTransport,
  LOG_LEVEL_META_KEY,
  StreamableHTTPClientTransport,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { InMemoryTransport as InMemoryTransport1 } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer as McpServer1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CreateMessageResultSchema,
  ListRootsResultSchema,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { inputRequired, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { describe, expect, it } from 'vitest';
import type { PeerTransportFactory } from '../src/peers/connection.js';
import { XServer } from '../src/server.js';
import { closeAfterTest, errorText, MODERN, ok, testConfig, workdir } from './helpers.js';

// What server-everything cannot show: a 2026-07-28 peer asking through input_required, the
// client's log level reaching the peer (per request, or logging/setLevel on a pooled 2025
// connection), an answer made with a client's input kept out of the cache, dispatch_parallel
// and workflow steps. Peers are the SDKs' own McpServers in memory.

type Text = { type: 'text'; text: string };
const text = (value: string): { content: Text[] } => ({ content: [{ type: 'text', text: value }] });

interface PeerLog {
  /** Levels set with logging/setLevel (2025 peer). */
  setLevels: string[];
  /** Executions of the roots tool. */
  rootsRuns: number;
}

/** A 2026-07-28 peer (SDK 2) that asks its client through input_required. */
function modernPeer(): PeerTransportFactory {
  const build = () => {
    const server = new McpServer(
      { name: 'modern', version: '2.0.0' },
      { capabilities: { logging: {} } },
    );
    server.registerTool('confirm', { description: 'Asks the user to confirm' }, (ctx) => {
      const answer = ctx.mcpReq.inputResponses?.confirm as
        | { action: string; content?: Record<string, unknown> }
        | undefined;
      if (!answer) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message: 'Deploy?',
              requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
            }),
          },
        });
      }
      return text(`user said ${answer.action} ${JSON.stringify(answer.content ?? {})}`);
    });
    server.registerTool('level', { description: 'Answers the request log level' }, async (ctx) => {
      const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
      const level = envelope?.[LOG_LEVEL_META_KEY] ?? 'none';
      await ctx.mcpReq.log('info', 'a line from the modern peer', 'modern');
      return text(String(level));
    });
    return server;
  };
  return async () => {
    const [ours, theirs] = InMemoryTransport.createLinkedPair();
    serveStdio(build, { transport: theirs });
    return { transport: ours };
  };
}

/** A 2025-era peer (SDK 1.x) that asks its client with requests of its own. */
function legacyPeer(seen: PeerLog): PeerTransportFactory {
  return async () => {
    const server = new McpServer1(
      { name: 'legacy', version: '1.0.0' },
      { capabilities: { logging: {} } },
    );
    let level = 'none';
    server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
      level = request.params.level;
      seen.setLevels.push(level);
      return {};
    });
    server.registerTool('sample', { description: 'Asks for a sample' }, async (extra) => {
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }],
            maxTokens: 5,
          },
        },
        CreateMessageResultSchema,
      );
      return text(`sampled: ${(result.content as Text).text}`);
    });
    server.registerTool(
      'roots',
      { description: 'Lists the roots', annotations: { readOnlyHint: true, idempotentHint: true } },
      async (extra) => {
        seen.rootsRuns++;
        const result = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
        return text(result.roots.map((root) => root.uri).join(','));
      },
    );
    server.registerTool('level', { description: 'Answers its log level, logs' }, async () => {
      await server.sendLoggingMessage({ level: 'debug', logger: 'legacy', data: 'a debug line' });
      await server.sendLoggingMessage({ level: 'warning', logger: 'legacy', data: 'a warning' });
      return text(level);
    });
    const [ours, theirs] = InMemoryTransport1.createLinkedPair();
    await server.connect(theirs);
    return { transport: ours as never };
  };
}

const ALL: ClientCapabilities = { sampling: {}, elicitation: { form: {} }, roots: {} };

/** An x-server over HTTP (both eras) in front of one in-memory peer. */
async function gatewayFor(peer: PeerTransportFactory) {
  const dir = await workdir();
  const config = await testConfig(dir, {
    builtins: [],
    cache: { disk: false },
    peers: { p: { url: 'http://127.0.0.1:9/unused' } },
  });
  const app = await XServer.create({ config, peerTransport: peer });
  closeAfterTest(() => app.close());
  const { url } = await app.serveHttp();
  return { app, url };
}

/** A client that answers every request kind, with `roots` as its roots, noting what it saw. */
async function clientOf(
  url: string,
  mode: VersionNegotiationMode,
  options: { capabilities?: ClientCapabilities; roots?: string[] } = {},
) {
  const capabilities = options.capabilities ?? ALL;
  const seen: string[] = [];
  const logs: { level: string; data: unknown }[] = [];
  const client = new Client(
    { name: 'relay-fixtures', version: '1.0.0' },
    { capabilities, versionNegotiation: { mode } },
  );
  closeAfterTest(() => client.close());
  if (capabilities.sampling) {
    client.setRequestHandler('sampling/createMessage', (request) => {
      seen.push(request.method);
      return { role: 'assistant', content: { type: 'text', text: 'yes' }, model: 'm' };
    });
  }
  if (capabilities.elicitation) {
    client.setRequestHandler('elicitation/create', (request) => {
      seen.push(request.method);
      return { action: 'accept', content: { ok: true } };
    });
  }
  if (capabilities.roots) {
    client.setRequestHandler('roots/list', (request) => {
      seen.push(request.method);
      return { roots: (options.roots ?? ['file:///a']).map((uri) => ({ uri })) };
    });
  }
  client.setNotificationHandler('notifications/message', (notification) => {
    // x-server's own lines (a debug line per dispatch) are left out: the peer's are the subject.
    if (notification.params.logger === 'x-server') return;
    logs.push({ level: notification.params.level, data: notification.params.data });
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const dispatch = (tool: string, meta: Record<string, unknown> = {}) =>
    client.callTool({
      name: 'dispatch',
      arguments: { category: 'p', tool },
      ...(Object.keys(meta).length ? { _meta: meta } : {}),
    });
  return { client, seen, logs, dispatch };
}

const texts = (result: unknown) =>
  ((result as { content: Text[] }).content ?? []).map((block) => block.text);

const ERAS = [
  { era: '2025-11-25', mode: 'legacy' as VersionNegotiationMode },
  { era: '2026-07-28', mode: MODERN },
];

describe.each(ERAS)('a peer asking the client, fixtures ($era client)', ({ era, mode }) => {
  it("a 2026-07-28 peer's input_required reaches the client, and the peer gets its answer", async () => {
    const { url } = await gatewayFor(modernPeer());
    const caller = await clientOf(url, mode);

    const answer = await caller.dispatch('confirm');

    expect(caller.seen).toEqual(['elicitation/create']);
    expect(texts(answer)[0]).toBe('user said accept {"ok":true}');
  });

  it("a 2026-07-28 peer sees the caller's capabilities: without elicitation it refuses the call itself", async () => {
    const { url } = await gatewayFor(modernPeer());
    const caller = await clientOf(url, mode, { capabilities: {} });

    const answer = await caller.dispatch('confirm');

    expect(caller.seen).toEqual([]);
    expect(errorText(answer)).toMatch(/^\[PEER_TOOL_ERROR\].*capabilit/i);
  });

  it("the caller's log level reaches a 2026-07-28 peer per request, and its log line the caller", async () => {
    const { url } = await gatewayFor(modernPeer());
    const caller = await clientOf(url, mode);

    const answer = await caller.dispatch('level', { [LOG_LEVEL_META_KEY]: 'debug' });

    // A 2025 client has no per-request level: x-server sends none (its session level, below).
    expect(texts(answer)[0]).toBe(era === '2026-07-28' ? 'debug' : 'none');
    if (era === '2026-07-28') {
      expect(caller.logs).toContainEqual({ level: 'info', data: 'a line from the modern peer' });
    }
  });

  it('a 2025-era peer: sampling through dispatch_parallel and a workflow step reaches the caller', async () => {
    const { url } = await gatewayFor(legacyPeer({ setLevels: [], rootsRuns: 0 }));
    const caller = await clientOf(url, mode);

    const parallel = ok<{ results: { ok: boolean; result?: unknown }[] }>(
      await caller.client.callTool({
        name: 'dispatch_parallel',
        arguments: { calls: [{ category: 'p', tool: 'sample' }] },
      }),
    );
    const workflow = ok<{ steps: { status: string }[] }>(
      await caller.client.callTool({
        name: 'workflow_run',
        arguments: { steps: [{ id: 'ask', category: 'p', tool: 'sample' }] },
      }),
    );

    expect(parallel.results[0]?.ok).toBe(true);
    expect(JSON.stringify(parallel.results[0])).toContain('sampled: yes');
    expect(workflow.steps[0]?.status).toBe('succeeded');
    expect(caller.seen).toEqual(['sampling/createMessage', 'sampling/createMessage']);
  });

  it("an answer made with the client's input is not cached: another client gets its own roots", async () => {
    const peer: PeerLog = { setLevels: [], rootsRuns: 0 };
    const { url } = await gatewayFor(legacyPeer(peer));
    const first = await clientOf(url, mode, { roots: ['file:///first'] });
    const second = await clientOf(url, mode, { roots: ['file:///second'] });

    const one = await first.dispatch('roots');
    const two = await second.dispatch('roots');

    expect(texts(one)[0]).toBe('file:///first');
    expect(texts(two)[0]).toBe('file:///second');
    expect(peer.rootsRuns).toBe(2);
  });
});

describe("the caller's log level and a pooled 2025-era peer connection", () => {
  it('logging/setLevel of a 2025 client reaches the peer (only ever lowered); each caller gets lines at its own level', async () => {
    const peer: PeerLog = { setLevels: [], rootsRuns: 0 };
    const { url } = await gatewayFor(legacyPeer(peer));
    const verbose = await clientOf(url, 'legacy');
    const quiet = await clientOf(url, 'legacy');
    await verbose.client.setLoggingLevel('debug');
    await quiet.client.setLoggingLevel('error');

    const first = await verbose.dispatch('level');
    const second = await quiet.dispatch('level');

    expect(texts(first)[0]).toBe('debug');
    expect(texts(second)[0]).toBe('debug');
    expect(peer.setLevels).toEqual(['debug']);
    expect(verbose.logs).toEqual([
      { level: 'debug', data: 'a debug line' },
      { level: 'warning', data: 'a warning' },
    ]);
    expect(quiet.logs).toEqual([]);
  });
});

import {
  Client as Client2,
  StreamableHTTPClientTransport as Http2,
  LOG_LEVEL_META_KEY,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/client';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Http1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAfterTest, type HttpHarness, MODERN, startHttp } from './helpers.js';

// x-server's log lines (a `debug` line per dispatch, a `warning` when a circuit refuses a call)
// reach a client at the level it asked for: per request in 2026-07-28 (`_meta`), per session
// with 2025's `logging/setLevel`.

type Line = { level: string; data: unknown };
const echo = { category: 'demo', tool: 'echo', params: { value: 1 } };
const flaky = { category: 'demo', tool: 'flaky', params: { failureRate: 1 } };

async function modern(url: string) {
  const lines: Line[] = [];
  const client = new Client2(
    { name: 'log-modern', version: '1.0.0' },
    { versionNegotiation: { mode: MODERN } },
  );
  closeAfterTest(() => client.close());
  client.setNotificationHandler('notifications/message', (note: LoggingMessageNotification) => {
    lines.push({ level: note.params.level, data: note.params.data });
  });
  await client.connect(new Http2(new URL(url)));
  const dispatch = (args: Record<string, unknown>, level?: string) =>
    client.callTool({
      name: 'dispatch',
      arguments: args,
      ...(level ? { _meta: { [LOG_LEVEL_META_KEY]: level } } : {}),
    });
  return { lines, dispatch };
}

async function legacy(url: string) {
  const lines: Line[] = [];
  const client = new Client1({ name: 'log-legacy', version: '1.0.0' });
  closeAfterTest(() => client.close());
  client.setNotificationHandler(LoggingMessageNotificationSchema, (note) => {
    lines.push({ level: note.params.level, data: note.params.data });
  });
  await client.connect(new Http1(new URL(url)));
  return {
    lines,
    client,
    dispatch: (args: Record<string, unknown>) =>
      client.callTool({ name: 'dispatch', arguments: args }),
  };
}

describe('log lines at the level the client asked for', () => {
  let server: HttpHarness | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends a 2026-07-28 request the debug line of its dispatch only when its _meta asks for debug', async () => {
    server = await startHttp();
    const { lines, dispatch } = await modern(server.url);

    await dispatch(echo);
    await dispatch(echo, 'info');
    expect(lines).toEqual([]);

    await dispatch(echo, 'debug');
    expect(lines).toEqual([
      {
        level: 'debug',
        data: expect.stringMatching(/^demo\.echo served from cache in [\d.]+ ms$/),
      },
    ]);
  });

  it('warns a 2026-07-28 request at warning level when a circuit refuses its call', async () => {
    server = await startHttp({ breaker: { failureThreshold: 1 } });
    const { lines, dispatch } = await modern(server.url);

    await dispatch(flaky, 'warning');
    await dispatch(flaky, 'warning');

    expect(lines).toEqual([
      { level: 'warning', data: expect.stringMatching(/^demo\.flaky refused: /) },
    ]);
  });

  it('follows logging/setLevel on a 2025 session', async () => {
    server = await startHttp({ breaker: { failureThreshold: 1 } });
    const { lines, client, dispatch } = await legacy(server.url);

    await client.setLoggingLevel('warning');
    await dispatch(echo);
    await dispatch(flaky);
    await dispatch(flaky);
    expect(lines).toEqual([
      { level: 'warning', data: expect.stringMatching(/^demo\.flaky refused: /) },
    ]);

    await client.setLoggingLevel('debug');
    await dispatch(echo);
    expect(lines.at(-1)).toEqual({
      level: 'debug',
      data: expect.stringMatching(/^demo\.echo served from cache in [\d.]+ ms$/),
    });
  });

  it('sends a 2025 session that never set a level info and above, not a debug line per dispatch', async () => {
    server = await startHttp({ breaker: { failureThreshold: 1 } });
    const { lines, dispatch } = await legacy(server.url);

    await dispatch(echo);
    await dispatch(flaky);
    await dispatch(flaky);

    expect(lines).toEqual([
      { level: 'warning', data: expect.stringMatching(/^demo\.flaky refused: /) },
    ]);
  });
});

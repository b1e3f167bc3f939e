import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it, vi } from 'vitest';
import { EVERYTHING_BIN } from './gateway-helpers.js';
import { closeAfterTest, connectStdio, MODERN, ok, workdir } from './helpers.js';

// Real peers are child processes: on a busy machine starting them takes seconds.
vi.setConfig({ testTimeout: 60_000 });

// x-server's CLI over stdio (its own serving path: one pinned instance per connection) in front
// of server-everything: resources and prompts as the peer answers, and a peer's list change to
// a 2025 client (a notification) and a 2026-07-28 one (its subscriptions/listen stream).

const ERAS = [
  ['2025-11-25', 'legacy' as VersionNegotiationMode],
  ['2026-07-28', MODERN],
] as const;

describe.each(ERAS)('x-server over stdio, client %s', (era, mode) => {
  it("lists and reads the peer's resources and prompts, and passes its list change on", async () => {
    const dir = await workdir();
    const config = join(dir, 'x-server.json');
    await writeFile(
      config,
      JSON.stringify({
        peers: { everything: { command: process.execPath, args: [EVERYTHING_BIN] } },
      }),
    );
    const { client } = await connectStdio(dir, ['--config', config], mode);
    expect(client.getNegotiatedProtocolVersion()).toBe(era);
    const direct = new Client({ name: 'direct', version: '1.0.0' });
    closeAfterTest(() => direct.close());
    await direct.connect(
      new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_BIN] }),
    );

    const want = (await direct.listResources()).resources;
    const got = (await client.listResources(undefined, { cacheMode: 'bypass' })).resources;
    expect(got).toEqual(want);
    const uri = want[0]!.uri;
    expect((await client.readResource({ uri }, { cacheMode: 'bypass' })).contents).toEqual(
      (await direct.readResource({ uri })).contents,
    );
    expect(
      (await client.listPrompts(undefined, { cacheMode: 'bypass' })).prompts.map((p) => p.name),
    ).toEqual((await direct.listPrompts()).prompts.map((p) => `everything__${p.name}`));

    if (era === '2026-07-28') {
      const stream = await client.listen({ resourcesListChanged: true });
      closeAfterTest(() => stream.close());
    }
    const heard = new Promise<void>((resolve) =>
      client.setNotificationHandler('notifications/resources/list_changed', () => resolve()),
    );
    ok(
      await client.callTool({
        name: 'dispatch',
        arguments: {
          category: 'everything',
          tool: 'gzip-file-as-resource',
          params: { name: 'stdio.gz', data: 'data:text/plain;base64,aGk=' },
        },
      }),
    );
    await heard;
    const after = (await client.listResources(undefined, { cacheMode: 'bypass' })).resources;
    expect(after.map((r) => r.uri)).toContain('demo://resource/session/stdio.gz');
  });
});

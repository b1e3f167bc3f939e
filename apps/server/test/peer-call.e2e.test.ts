import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ToolProgress } from '../src/catalog/index.js';
import type { PeerConfig } from '../src/config/index.js';
import { defaultPeerTransport, PeerConnection } from '../src/peers/connection.js';
import { callPeerTool } from '../src/peers/peer-call.js';
import { PeerProgress } from '../src/peers/peer-progress.js';
import { startGateway } from './gateway-helpers.js';
import { closeAfterTest, errorText, ok } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'progress-with-result.mjs');

async function openPeer(): Promise<PeerConnection> {
  const connection = await PeerConnection.open({
    peer: 'counter',
    config: { command: process.execPath, args: [FIXTURE], env: {} } as unknown as PeerConfig,
    clientInfo: { name: 'x-server-test', version: '1.0.0' },
    transport: defaultPeerTransport,
    connectTimeoutMs: 20_000,
    onToolsChanged: () => {},
  });
  closeAfterTest(() => connection.close());
  return connection;
}

describe("a stdio peer's progress", () => {
  it('reaches the caller even when the last one arrives in the same write as the result', async () => {
    const connection = await openPeer();
    const progress: ToolProgress[] = [];

    const results = [];
    // Several calls, so a race that loses the last notification only sometimes cannot hide.
    for (let round = 0; round < 5; round++) {
      results.push(
        await callPeerTool(
          connection,
          { tool: 'count', params: {}, meta: undefined },
          { signal: new AbortController().signal, onProgress: (p) => progress.push(p) },
          10_000,
        ),
      );
    }

    expect(results.map((result) => result.content)).toEqual(
      Array(5).fill([{ type: 'text', text: 'counted' }]),
    );
    const once = [1, 2, 3].map((n) => ({ progress: n, total: 3 }));
    expect(progress).toEqual([...once, ...once, ...once, ...once, ...once]);
  }, 60_000);

  it('keeps no listener once the call settled', async () => {
    const connection = await openPeer();

    await callPeerTool(
      connection,
      { tool: 'count', params: {}, meta: undefined },
      { signal: new AbortController().signal, onProgress: () => {} },
      10_000,
    );

    await expect.poll(() => connection.progress.size).toBe(0);
  }, 60_000);
});

describe("a peer tool's output schema", () => {
  it('is checked once by x-server: valid structured content passes, the rest is PEER_TOOL_ERROR', async () => {
    const gateway = await startGateway({
      builtins: [],
      peers: { shapes: { command: process.execPath, args: [FIXTURE], cache: false } },
    });
    closeAfterTest(() => gateway.close());
    const call = (params: Record<string, unknown>) =>
      gateway.call('dispatch', { category: 'shapes', tool: 'shaped', params });

    const valid = await call({ n: 2 });
    const wrongType = errorText(await call({ n: 'two' }));
    const missing = errorText(await call({}));

    expect(ok<{ result: unknown }>(valid)).toBeDefined();
    expect(valid.structuredContent).toEqual(expect.objectContaining({ result: { n: 2 } }));
    expect(wrongType).toMatch(
      /^\[PEER_TOOL_ERROR\].*Structured content does not match the tool's output schema: .*n/,
    );
    expect(missing).toMatch(
      /^\[PEER_TOOL_ERROR\].*has an output schema but did not return structured content/,
    );
    expect(gateway.app.peers.stats().calls).toBe(3);
  }, 60_000);
});

describe('PeerProgress', () => {
  it('hands progress to the listener of its token until a macrotask after the release', async () => {
    const registry = new PeerProgress();
    const seen: unknown[] = [];
    const first = registry.add((params) => seen.push(['first', params]));
    const second = registry.add((params) => seen.push(['second', params]));

    registry.deliver({ progressToken: second.token, progress: 1 });
    first.release();
    registry.deliver({ progressToken: first.token, progress: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    registry.deliver({ progressToken: first.token, progress: 3 });
    registry.deliver({ progressToken: 'unknown', progress: 4 });

    expect(first.token).not.toBe(second.token);
    expect(seen).toEqual([
      ['second', { progress: 1 }],
      ['first', { progress: 2 }],
    ]);
    expect(registry.size).toBe(1);
  });
});

import type { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { connectHttp, errorText, type HttpHarness, ok, startHttp } from './helpers.js';

// Two x-servers over real Streamable HTTP: the gateway fronts the upstream one as a peer.
describe('an HTTP peer: a second x-server', () => {
  let upstream: HttpHarness | undefined;
  let gateway: HttpHarness | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    await client?.close();
    await gateway?.close();
    await upstream?.close();
    client = gateway = upstream = undefined;
  });

  async function start() {
    upstream = await startHttp();
    gateway = await startHttp({
      builtins: [],
      peers: { upstream: { url: upstream.url, description: 'Another x-server' } },
      gateway: { connectTimeoutMs: 500 },
      breaker: { failureThreshold: 2, recoveryTimeoutMs: 60_000 },
    });
    client = await connectHttp(gateway.url);
    return (name: string, args: Record<string, unknown> = {}) =>
      client!.callTool({ name, arguments: args });
  }

  it("lists the peer's tools and calls them through the gateway", async () => {
    const call = await start();

    const listed = ok<{ tools: { name: string }[] }>(
      await call('list_tools', { category: 'upstream' }),
    );
    const answer = ok<{ result: { result: { value: number }; tool: string } }>(
      await call('dispatch', {
        category: 'upstream',
        tool: 'dispatch',
        params: { category: 'demo', tool: 'echo', params: { value: 42 } },
      }),
    );

    expect(listed.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['list_categories', 'dispatch', 'workflow_run']),
    );
    expect(answer.result).toMatchObject({ tool: 'echo', result: { value: 42 } });
  });

  it('answers PEER_UNAVAILABLE while the peer is down, then opens its circuit', async () => {
    const call = await start();
    ok(await call('list_tools', { category: 'upstream' }));
    await upstream!.close();
    upstream = undefined;
    const args = { category: 'upstream', tool: 'list_categories' };

    const first = errorText(await call('dispatch', args));
    const second = errorText(await call('dispatch', args));
    const third = errorText(await call('dispatch', args));

    expect(first).toMatch(/^\[PEER_UNAVAILABLE\] Peer "upstream" is unavailable: /);
    expect(second).toMatch(/^\[PEER_UNAVAILABLE\]/);
    expect(third).toMatch(/^\[CIRCUIT_OPEN\] Category "upstream" is failing/);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { type Gateway, MEMORY_BIN, startGateway } from './gateway-helpers.js';
import { ok } from './helpers.js';

describe('dashboard snapshot', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('shows a peer as it is reached and exposed, its era once connected, and its circuit', async () => {
    gateway = await startGateway({
      builtins: ['text'],
      peers: { memory: { command: process.execPath, args: [MEMORY_BIN] } },
    });
    const before = gateway.app.dashboard.snapshot();
    expect(before.categories.find((row) => row.name === 'memory')).toEqual({
      name: 'memory',
      description: expect.any(String),
      loaded: false,
      toolCount: null,
      peer: { transport: 'stdio', expose: 'meta', era: null, connections: 0 },
      circuit: { state: 'closed' },
    });
    expect(before.categories.find((row) => row.name === 'text')?.peer).toBeNull();

    ok(await gateway.call('dispatch', { category: 'memory', tool: 'read_graph', params: {} }));
    ok(await gateway.call('dispatch', { category: 'text', tool: 'hash', params: { text: 'a' } }));
    ok(await gateway.call('dispatch', { category: 'text', tool: 'hash', params: { text: 'a' } }));

    const after = gateway.app.dashboard.snapshot();
    const memory = after.categories.find((row) => row.name === 'memory')!;
    expect(memory.loaded).toBe(true);
    expect(memory.toolCount).toBeGreaterThan(0);
    expect(memory.peer?.era).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(memory.peer?.connections).toBe(1);
    expect(after.tools.map((tool) => tool.name).sort()).toEqual(['memory.read_graph', 'text.hash']);
    // read_graph is read-only and idempotent too: two misses (it and the first hash), one hit.
    expect(after.cache).toMatchObject({ hits: 1, misses: 2 });
    expect(after.cache.tiers[0]).toMatchObject({ name: 'memory', hits: 1, misses: 2 });
    expect(after.cache.tiers[0]?.hitRate).toBeCloseTo(1 / 3, 3);
    expect(after.peers.connections).toBeGreaterThanOrEqual(1);
  });
});

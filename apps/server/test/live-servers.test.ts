import { InMemoryTransport, Server } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { LiveServers } from '../src/mcp/live-servers.js';

const server = () =>
  new Server({ name: 's', version: '1' }, { capabilities: { tools: { listChanged: true } } });

describe('LiveServers', () => {
  it('forgets an instance when its transport closes, keeping the onclose set before', async () => {
    const live = new LiveServers();
    const instance = server();
    let closed = 0;
    instance.onclose = () => {
      closed++;
    };
    live.add(instance);
    const [, theirs] = InMemoryTransport.createLinkedPair();
    await instance.connect(theirs);

    await instance.close();

    expect(live.size).toBe(0);
    expect(closed).toBe(1);
  });

  it('sweeps instances that never connected once many are tracked, keeping connected ones', async () => {
    const live = new LiveServers();
    const connected = server();
    const [, theirs] = InMemoryTransport.createLinkedPair();
    await connected.connect(theirs);
    live.add(connected);
    for (let i = 0; i < 1_023; i++) live.add(server());

    // At 1 024 tracked, a sweep marks them; at the next sweep (2 048), the marked ones still
    // without a transport are dropped: the 1 023 that never connected, not the connected one.
    for (let i = 0; i < 1_024; i++) live.add(server());
    expect(live.size).toBe(2_048);
    live.add(server());

    expect(live.size).toBe(2_048 - 1_023 + 1);
    let told = 0;
    live.broadcast(async () => {
      told++;
    });
    expect(told).toBe(1);
    await connected.close();
  });
});

import type { NodeStreamableHTTPServerTransport as StreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { describe, expect, it } from 'vitest';
import { SessionTable } from '../src/transport/sessions.js';

function fakeTransport() {
  const state = { closed: 0, serverClosed: 0 };
  const transport = {
    close: async () => {
      state.closed += 1;
    },
  } as unknown as StreamableHTTPServerTransport;
  return {
    state,
    transport,
    closeServer: async () => {
      state.serverClosed += 1;
    },
  };
}

describe('SessionTable', () => {
  it('closes a session idle for longer than idleMs', async () => {
    let now = 0;
    const table = new SessionTable({ idleMs: 1000, now: () => now });
    const session = fakeTransport();
    table.add('a', session.transport, session.closeServer);

    now = 999;
    expect(await table.sweep()).toBe(0);
    now = 1000;
    expect(await table.sweep()).toBe(1);

    expect(table.size).toBe(0);
    expect(session.state).toEqual({ closed: 1, serverClosed: 1 });
    await table.closeAll();
  });

  it('keeps a session that was used recently or has a call in progress', async () => {
    let now = 0;
    const table = new SessionTable({ idleMs: 1000, now: () => now });
    const busy = fakeTransport();
    const used = fakeTransport();
    table.add('busy', busy.transport, busy.closeServer);
    table.add('used', used.transport, used.closeServer);
    let finish!: () => void;
    const call = table.track('busy', () => new Promise<void>((resolve) => (finish = resolve)));

    now = 900;
    table.touch('used');
    now = 1500;
    const swept = await table.sweep();
    finish();
    await call;

    expect(swept).toBe(0);
    expect(table.size).toBe(2);
    await table.closeAll();
  });

  it('forgets unknown ids and closes everything once at the end', async () => {
    const table = new SessionTable({ idleMs: 1000 });
    const session = fakeTransport();
    table.add('a', session.transport, session.closeServer);

    expect(table.touch('nope')).toBeUndefined();
    await table.closeAll();

    expect(session.state.closed).toBe(1);
    expect(table.size).toBe(0);
  });
});

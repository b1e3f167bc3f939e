import { vi } from 'vitest';

/** A connection stand-in: synchronous, so thousands of cycles take milliseconds. */
export class FakeConn {
  static #nextId = 0;
  readonly id = ++FakeConn.#nextId;
  alive = true;
  destroyed = false;
  constructor(readonly peerId: string) {}
}

/** create/destroy/validate spies over FakeConn, and every connection ever created. */
export function fakeFactory() {
  const created: FakeConn[] = [];
  return {
    created,
    create: vi.fn((peerId: string) => {
      const conn = new FakeConn(peerId);
      created.push(conn);
      return conn;
    }),
    destroy: vi.fn((conn: FakeConn) => {
      conn.destroyed = true;
      conn.alive = false;
    }),
    validate: vi.fn((conn: FakeConn) => conn.alive),
  };
}

/** Lets promise chains (generic-pool's dispense, our wrappers) run to quiescence. */
export async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

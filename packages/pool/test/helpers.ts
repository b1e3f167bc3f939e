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

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly ms: number;
  readonly callback: () => void;
  refd: boolean;
}

/**
 * A hand-driven Clock. Its handles have an `unref()` that records the call, so a test can see
 * which timers would keep a real process alive. `advance()` fires due timers in order and lets
 * promise chains settle after each (through a real setImmediate: do not combine with fake
 * timers that fake setImmediate).
 */
export class FakeClock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<object, FakeTimer>();
  /** How many timers were ever set. */
  timersSet = 0;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now = (): number => this.#now;

  setTimeout = (callback: () => void, ms: number): object => {
    const timer: FakeTimer = { at: this.#now + ms, seq: this.#seq++, ms, callback, refd: true };
    const handle = {
      unref: () => {
        timer.refd = false;
        return handle;
      },
    };
    this.#timers.set(handle, timer);
    this.timersSet += 1;
    return handle;
  };

  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as object);
  };

  /** Pending timers (delay as set, in ms, and whether ref'd), soonest first. */
  pending(): { ms: number; inMs: number; refd: boolean }[] {
    return [...this.#timers.values()]
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .map((t) => ({ ms: t.ms, inMs: t.at - this.#now, refd: t.refd }));
  }

  /** How many pending timers would keep a real process alive. */
  refd(): number {
    return [...this.#timers.values()].filter((t) => t.refd).length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await flush();
    for (;;) {
      let next: [object, FakeTimer] | undefined;
      for (const entry of this.#timers) {
        const [, t] = entry;
        if (t.at > end) continue;
        if (next === undefined || t.at < next[1].at || (t.at === next[1].at && t.seq < next[1].seq))
          next = entry;
      }
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].callback();
      await flush();
    }
    this.#now = end;
    await flush();
  }
}

/** Every microtask queued so far (and those they queue) has run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

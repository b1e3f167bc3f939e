// 2025-era Streamable HTTP sessions (2026-07-28 requests carry no session).
import type { NodeStreamableHTTPServerTransport as StreamableHTTPServerTransport } from '@modelcontextprotocol/node';

interface Session {
  transport: StreamableHTTPServerTransport;
  closeServer: () => Promise<void>;
  lastSeenMs: number;
  active: number;
}

/**
 * Open Streamable HTTP sessions, closed after `idleMs` without a request. A session with a
 * call in progress is never idle.
 */
export class SessionTable {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { idleMs: number; now?: () => number }) {
    this.#idleMs = options.idleMs;
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => void this.sweep(), Math.min(options.idleMs, 60_000));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  add(
    id: string,
    transport: StreamableHTTPServerTransport,
    closeServer: () => Promise<void>,
  ): void {
    this.#sessions.set(id, { transport, closeServer, lastSeenMs: this.#now(), active: 0 });
  }

  /** The session's transport, marked as just used; undefined when unknown or expired. */
  touch(id: string): StreamableHTTPServerTransport | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    session.lastSeenMs = this.#now();
    return session.transport;
  }

  async track(id: string, handle: () => Promise<void>): Promise<void> {
    const session = this.#sessions.get(id);
    if (session) session.active++;
    try {
      await handle();
    } finally {
      if (session) {
        session.active--;
        session.lastSeenMs = this.#now();
      }
    }
  }

  forget(id: string): void {
    this.#sessions.delete(id);
  }

  /** Closes sessions idle for longer than `idleMs`; returns how many. */
  async sweep(): Promise<number> {
    const cutoff = this.#now() - this.#idleMs;
    const expired = [...this.#sessions].filter(([, s]) => s.active === 0 && s.lastSeenMs <= cutoff);
    await Promise.allSettled(expired.map(([id, session]) => this.#close(id, session)));
    return expired.length;
  }

  async #close(id: string, session: Session): Promise<void> {
    this.#sessions.delete(id);
    await session.transport.close();
    await session.closeServer();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.allSettled([...this.#sessions].map(([id, session]) => this.#close(id, session)));
  }
}

import type { Server } from '@modelcontextprotocol/server';

/** Tracked instances before the first sweep of ones that never connected. */
const SWEEP_AT = 1_024;

/**
 * The MCP server instances connected now (a 2025 session, a stdio connection, a 2026-07-28
 * request), so a change x-server announces reaches each: a 2025 session or a stdio connection
 * gets the notification on its stream (a modern stdio connection on its `subscriptions/listen`),
 * a per-request instance drops it (its listeners are on the HTTP event bus).
 */
export class LiveServers {
  /** Each instance with the sweep epoch it was added in. */
  readonly #servers = new Map<Server, number>();
  #epoch = 0;
  #sweepAt = SWEEP_AT;

  /** Tracks `server` until its transport closes. */
  add(server: Server): void {
    if (this.#servers.size >= this.#sweepAt) this.#sweep();
    this.#servers.set(server, this.#epoch);
    const previous = server.onclose;
    server.onclose = () => {
      this.#servers.delete(server);
      previous?.();
    };
  }

  get size(): number {
    return this.#servers.size;
  }

  /** Runs `send` on every connected instance; a failed send (a client gone) is dropped. */
  broadcast(send: (server: Server) => Promise<void>): void {
    for (const server of this.#servers.keys()) {
      if (server.transport === undefined) continue;
      try {
        send(server).catch(() => {});
      } catch {
        // A closing instance may refuse synchronously: it has no client left to tell.
      }
    }
  }

  /**
   * Forgets instances without a transport since an earlier sweep: closed before they connected
   * (a request refused before it was served), so their `onclose` never ran.
   */
  #sweep(): void {
    for (const [server, epoch] of this.#servers) {
      if (epoch < this.#epoch && server.transport === undefined) this.#servers.delete(server);
    }
    this.#epoch++;
    this.#sweepAt = Math.max(SWEEP_AT, this.#servers.size * 2);
  }
}

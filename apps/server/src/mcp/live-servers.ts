import type { Server } from '@modelcontextprotocol/server';

/**
 * The MCP server instances connected now (a 2025 session, a stdio connection, a 2026-07-28
 * request), so a change x-server announces reaches each: a 2025 session or a stdio connection
 * gets the notification on its stream (a modern stdio connection on its `subscriptions/listen`),
 * a per-request instance drops it (its listeners are on the HTTP event bus).
 */
export class LiveServers {
  readonly #servers = new Set<Server>();

  /** Tracks `server` until its transport closes. */
  add(server: Server): void {
    this.#servers.add(server);
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
    for (const server of this.#servers) {
      if (server.transport === undefined) continue;
      try {
        send(server).catch(() => {});
      } catch {
        // A closing instance may refuse synchronously: it has no client left to tell.
      }
    }
  }
}

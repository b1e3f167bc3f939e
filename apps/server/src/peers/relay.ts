import type { ClientChannel, ClientRequestMethod, LogLevel } from '../catalog/index.js';

/** JSON-RPC codes a peer gets back (the client SDK answers a thrown error with its `code`). */
const METHOD_NOT_FOUND = -32601;
const INTERNAL_ERROR = -32603;

/** An error a peer's request is answered with, under a JSON-RPC code. */
export class RelayError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'RelayError';
    this.code = code;
  }
}

/** The capabilities x-server declares to every peer: it relays each to the client of the call. */
export const RELAYED_CAPABILITIES = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: {},
} as const;

/** One call in flight on a peer connection, and the client behind it (if any). */
interface InFlightCall {
  client: ClientChannel | undefined;
}

/**
 * Routes what a peer sends outside any response — a request to the client (sampling,
 * elicitation, roots) or a log line — to the client whose call caused it.
 *
 * A 2025-era peer's requests carry no link to the call they serve (on stdio the wire has none),
 * so the call is found by the connection: the one call in flight on it, or, when several are,
 * the calls of one client (its serving unit: a 2025 session, a stdio connection). A request the
 * relay cannot tie to one client is refused rather than asked of the wrong user. A 2026-07-28
 * peer asks through its call's own result (`input_required`): the gateway answers those exactly.
 */
export class PeerRelay {
  readonly #calls = new Set<InFlightCall>();

  /** Notes a call in flight; the returned function ends it. */
  add(client: ClientChannel | undefined): () => void {
    const call = { client };
    this.#calls.add(call);
    return () => {
      this.#calls.delete(call);
    };
  }

  /** The client of the calls in flight, when they all have one and the same. */
  #route(): { client: ClientChannel } | { error: string } {
    const clients = [...this.#calls].map((call) => call.client);
    if (clients.length === 0)
      return { error: 'no call of x-server is in flight on this connection' };
    const [first] = clients;
    if (!first) return { error: 'the call in flight has no client behind it' };
    if (clients.length === 1) return { client: first };
    const owner = first.owner;
    if (owner !== undefined && clients.every((client) => client?.owner === owner)) {
      return { client: first };
    }
    return {
      error: `${clients.length} calls of different clients are in flight on this connection, and the request names none of them`,
    };
  }

  /** Answers a peer's request with the client's answer, or rejects with a JSON-RPC error. */
  async request(
    method: ClientRequestMethod,
    params: Record<string, unknown> | undefined,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const route = this.#route();
    if ('error' in route) {
      // Outside a call x-server has no roots of its own: an error, which a peer does not keep as
      // an empty list (it asks again during a call, and gets the caller's).
      throw new RelayError(
        method === 'roots/list' ? INTERNAL_ERROR : METHOD_NOT_FOUND,
        `x-server cannot relay ${method}: ${route.error}.`,
      );
    }
    return route.client.request({ method, ...(params ? { params } : {}) }, signal);
  }

  /** A peer's log line, for the client of the call it belongs to (dropped when none is clear). */
  log(params: { level: LogLevel; data?: unknown; logger?: string }, peer: string): boolean {
    const route = this.#route();
    if ('error' in route) return false;
    route.client.log(params.level, params.data, params.logger ?? peer);
    return true;
  }
}

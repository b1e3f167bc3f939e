import type { McpSubscription } from '@modelcontextprotocol/client';
import type { PeerConnection } from './connection.js';
import type { PeerGateway } from './gateway.js';

/** One resource subscribed to on its owner peer, for the clients in `subscribers`. */
interface Subscription {
  peer: string;
  subscribers: Set<object>;
  /** Settles once the peer took the subscription; resolves with how to end it. */
  ready: Promise<() => Promise<void>>;
  /** The connection it was taken on: when that closes, it is taken again on a new one. */
  connection?: PeerConnection;
}

/** The `subscriptions/listen` stream of a 2026-07-28 peer for every URI subscribed on it. */
interface ModernListen {
  uris: Set<string>;
  stream?: McpSubscription | undefined;
  /** The connection the stream runs on. */
  connection?: PeerConnection | undefined;
  /** The last change of the stream: the next waits for it. */
  chain: Promise<void>;
}

const noop = async () => {};

const NOBODY: ReadonlySet<object> = new Set();

/** The gateway itself as a subscriber: resources read through it (see `watch`). */
const WATCHER = Object.freeze({ watcher: true });

/** Resources watched at most: the least recently read is unsubscribed first. */
export const MAX_WATCHED_RESOURCES = 256;

/**
 * Client subscriptions to peers' resources, one peer subscription per URI however many clients
 * ask: `resources/subscribe` on a 2025-era peer, a `subscriptions/listen` stream with
 * `resourceSubscriptions` on a 2026-07-28 one. The peer's `notifications/resources/updated`
 * arrive on the connection it was taken on (see PeerFeatures.wire). The last client to leave
 * ends it on the peer.
 */
export class ResourceSubscriptions {
  readonly #gateway: PeerGateway;
  readonly #byUri = new Map<string, Subscription>();
  /** Each 2026-07-28 peer's listen stream for the URIs subscribed on it. */
  readonly #modern = new Map<string, ModernListen>();
  /** URIs subscribed for WATCHER, least recently read first. */
  readonly #watched = new Set<string>();
  /** Subscriptions taken again after their connection closed. */
  #retakes = 0;

  constructor(gateway: PeerGateway) {
    this.#gateway = gateway;
  }

  async subscribe(uri: string, peer: string, subscriber: object): Promise<void> {
    let subscription = this.#byUri.get(uri);
    if (!subscription) {
      const taken: Subscription = { peer, subscribers: new Set(), ready: Promise.resolve(noop) };
      taken.ready = this.#request(uri, taken);
      subscription = taken;
      this.#byUri.set(uri, taken);
      taken.ready.catch(() => {
        if (this.#byUri.get(uri) === taken) this.#byUri.delete(uri);
      });
    }
    subscription.subscribers.add(subscriber);
    try {
      await subscription.ready;
    } catch (error) {
      subscription.subscribers.delete(subscriber);
      throw error;
    }
  }

  /** Takes `subscription` of `uri` on a connection to its peer, noting which. */
  #request(uri: string, subscription: Subscription): Promise<() => Promise<void>> {
    const { peer } = subscription;
    return this.#gateway.request(peer, 'resources/subscribe', async (connection, options) => {
      const end = await this.#take(peer, connection, uri, options.timeout);
      // Noted once taken: a connection lost while subscribing fails it (no retake loop).
      subscription.connection = connection;
      return end;
    });
  }

  /**
   * A peer connection closed (the peer exited, the pool retired it): the subscriptions taken on
   * it are taken again on a new connection (the peer forgot them), so a subscribed client keeps
   * hearing updates. One that cannot be taken again (the peer is down) ends.
   */
  connectionClosed(connection: PeerConnection): void {
    const listen = this.#modern.get(connection.peer);
    if (listen && listen.connection === connection) listen.stream = undefined;
    for (const [uri, subscription] of this.#byUri) {
      if (subscription.connection !== connection || subscription.subscribers.size === 0) continue;
      this.#retakes++;
      subscription.connection = undefined;
      subscription.ready = this.#request(uri, subscription);
      subscription.ready.catch(() => {
        if (this.#byUri.get(uri) === subscription) this.#byUri.delete(uri);
        this.#watched.delete(uri);
      });
    }
  }

  async unsubscribe(uri: string, subscriber: object): Promise<void> {
    const subscription = this.#byUri.get(uri);
    if (!subscription?.subscribers.delete(subscriber)) return;
    if (subscription.subscribers.size > 0) return;
    this.#byUri.delete(uri);
    // The peer may be gone already: nothing is left to end then.
    await subscription.ready.then((end) => end()).catch(() => {});
  }

  async dropSubscriber(subscriber: object): Promise<void> {
    const uris = [...this.#byUri].filter(([, s]) => s.subscribers.has(subscriber));
    await Promise.all(uris.map(([uri]) => this.unsubscribe(uri, subscriber)));
  }

  /**
   * Subscribes the gateway itself to a resource read through it, so that its update drops the
   * cached read, and reaches the 2026-07-28 clients listening for it (`subscriptions/listen`
   * with `resourceSubscriptions`: their filters do not reach x-server, the SDK applies them to
   * what x-server publishes). At most {@link MAX_WATCHED_RESOURCES}, least recently read out.
   */
  watch(uri: string, peer: string): void {
    if (this.#watched.delete(uri)) {
      this.#watched.add(uri);
      return;
    }
    this.#watched.add(uri);
    this.subscribe(uri, peer, WATCHER).catch(() => this.#watched.delete(uri));
    if (this.#watched.size > MAX_WATCHED_RESOURCES) {
      const oldest = this.#watched.values().next().value as string;
      this.#watched.delete(oldest);
      void this.unsubscribe(oldest, WATCHER);
    }
  }

  /** The clients subscribed to `uri` (the gateway's own watch aside). */
  subscribersOf(uri: string): ReadonlySet<object> {
    const subscribers = this.#byUri.get(uri)?.subscribers;
    if (!subscribers?.has(WATCHER)) return subscribers ?? NOBODY;
    return new Set([...subscribers].filter((s) => s !== WATCHER));
  }

  stats(): { uris: number; subscribers: number; watched: number; retakes: number } {
    let subscribers = 0;
    for (const subscription of this.#byUri.values()) {
      subscribers +=
        subscription.subscribers.size - (subscription.subscribers.has(WATCHER) ? 1 : 0);
    }
    return {
      uris: this.#byUri.size,
      subscribers,
      watched: this.#watched.size,
      retakes: this.#retakes,
    };
  }

  /** Subscribes on the peer over `connection`; resolves with how to unsubscribe there. */
  async #take(
    peer: string,
    connection: PeerConnection,
    uri: string,
    timeout: number,
  ): Promise<() => Promise<void>> {
    const { client } = connection;
    if (client.getProtocolEra() !== 'modern') {
      await client.subscribeResource({ uri }, { timeout });
      return async () => {
        if (!connection.closed) await client.unsubscribeResource({ uri }, { timeout });
      };
    }
    let listen = this.#modern.get(peer);
    if (!listen) {
      listen = { uris: new Set(), chain: Promise.resolve() };
      this.#modern.set(peer, listen);
    }
    const state = listen;
    state.uris.add(uri);
    await this.#relisten(state, connection, timeout);
    return () =>
      this.#gateway.request(peer, 'subscriptions/listen', (current, options) => {
        state.uris.delete(uri);
        return this.#relisten(state, current, options.timeout);
      });
  }

  /**
   * A 2026-07-28 peer gets one `subscriptions/listen` stream for all the URIs subscribed on it
   * (not one per URI: a server bounds its streams): a new one with the new set, then the old
   * one closed. Changes run one at a time.
   */
  #relisten(state: ModernListen, connection: PeerConnection, timeout: number): Promise<void> {
    const run = state.chain.then(async () => {
      const previous = state.stream;
      state.stream =
        state.uris.size > 0
          ? await connection.client.listen({ resourceSubscriptions: [...state.uris] }, { timeout })
          : undefined;
      state.connection = connection;
      await previous?.close();
    });
    state.chain = run.catch(() => {});
    return run;
  }
}

import type { Prompt, Resource, ResourceTemplateType } from '@modelcontextprotocol/client';
import type { PeerConnection } from './connection.js';
import type { PeerListing } from './feature-listings.js';
import type { PeerGateway } from './gateway.js';

/**
 * Each peer's resources, resource templates and prompts, listed once (every page: the SDK walks
 * the peer's cursors) and kept until `forget()` (the peer said its list changed). A peer without
 * the capability lists nothing; a failed listing is not kept.
 */
export class PeerLists {
  readonly #gateway: PeerGateway;
  readonly #listings = new Map<string, PeerListing>();
  /** Whether each peer listed so far has the `resources` capability. */
  readonly #resourceful = new Map<string, boolean>();

  constructor(gateway: PeerGateway) {
    this.#gateway = gateway;
  }

  /** True once `peer` listed its resources and has the `resources` capability. */
  hasResources(peer: string): boolean {
    return this.#resourceful.get(peer) === true;
  }

  /** Drops the kept lists of `peer`: the next use lists again. */
  forget(peer: string, ...kinds: (keyof PeerListing)[]): void {
    const listing = this.#listing(peer);
    for (const kind of kinds) delete listing[kind];
  }

  #listing(peer: string): PeerListing {
    let listing = this.#listings.get(peer);
    if (!listing) {
      listing = {};
      this.#listings.set(peer, listing);
    }
    return listing;
  }

  /** Lists one kind of a peer, once; a failed listing is forgotten so the next asks again. */
  #list<K extends keyof PeerListing>(
    peer: string,
    kind: K,
    fetch: (
      connection: PeerConnection,
      options: { timeout: number; signal: AbortSignal },
    ) => Promise<Awaited<NonNullable<PeerListing[K]>>>,
  ): NonNullable<PeerListing[K]> {
    const listing = this.#listing(peer);
    let pending = listing[kind];
    if (!pending) {
      const method = kind === 'templates' ? 'resources/templates/list' : `${kind}/list`;
      pending = this.#gateway.request(peer, method, fetch) as NonNullable<PeerListing[K]>;
      listing[kind] = pending;
      pending.catch(() => {
        if (listing[kind] === pending) delete listing[kind];
      });
    }
    return pending as NonNullable<PeerListing[K]>;
  }

  resources(peer: string): Promise<Resource[]> {
    // Without a cursor the SDK walks every page of the peer; `bypass`: this class caches.
    return this.#list(peer, 'resources', async ({ client }, options) => {
      const resourceful = client.getServerCapabilities()?.resources !== undefined;
      this.#resourceful.set(peer, resourceful);
      return resourceful
        ? (await client.listResources(undefined, { ...options, cacheMode: 'bypass' })).resources
        : [];
    });
  }

  templates(peer: string): Promise<ResourceTemplateType[]> {
    return this.#list(peer, 'templates', async ({ client }, options) =>
      client.getServerCapabilities()?.resources
        ? (await client.listResourceTemplates(undefined, { ...options, cacheMode: 'bypass' }))
            .resourceTemplates
        : [],
    );
  }

  prompts(peer: string): Promise<Prompt[]> {
    return this.#list(peer, 'prompts', async ({ client }, options) =>
      client.getServerCapabilities()?.prompts
        ? (await client.listPrompts(undefined, { ...options, cacheMode: 'bypass' })).prompts
        : [],
    );
  }
}

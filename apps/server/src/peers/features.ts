import type {
  CompleteRequestParams,
  CompleteResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
} from '@modelcontextprotocol/client';
import type { PeerConfig } from '../config/index.js';
import type { PeerConnection } from './connection.js';
import { TtlCache, type TtlCacheFigures, ttlOf } from './feature-cache.js';
import {
  type MergedPrompts,
  type MergedResources,
  mergePrompts,
  mergeResources,
  PeerFeatureNotFoundError,
  type PeerTemplate,
  page,
  peerTemplates,
} from './feature-listings.js';
import type { PeerGateway } from './gateway.js';
import { PeerLists } from './peer-lists.js';
import { ResourceSubscriptions } from './subscriptions.js';

/** Where the peers' change notifications go: the MCP layer tells the connected clients. */
export interface PeerFeatureEvents {
  resourcesChanged(): void;
  promptsChanged(): void;
  resourceUpdated(uri: string): void;
}

export interface PeerFeaturesOptions {
  peers: Record<string, PeerConfig>;
  gateway: PeerGateway;
  events: PeerFeatureEvents;
  /** Items per page of the merged lists. @default 100 */
  pageSize?: number;
  /** Cached `resources/read` and `prompts/get` answers kept at most. @default 1000 */
  maxCacheEntries?: number;
  /** Wall clock of the cache TTLs. @default Date.now */
  now?: () => number;
}

export interface PeerFeatureStats {
  resources: number;
  templates: number;
  prompts: number;
  /** URIs a later peer listed too, hidden behind the first peer's in config order. */
  shadowedUris: number;
  shadowedPrompts: number;
  /** Resources subscribed to on the peers, and the client subscriptions behind them. */
  subscriptions: { uris: number; subscribers: number; watched: number; retakes: number };
  resourceListChanges: number;
  promptListChanges: number;
  resourceUpdates: number;
  cache: TtlCacheFigures;
}

export const PEER_FEATURES_PAGE_SIZE = 100;

/**
 * Resources, resource templates, prompts and completions of every peer, served at the protocol
 * level: lists merged across peers in config order (each peer listed once, every page, kept
 * until it says its list changed), reads and gets routed to the peer that listed the URI or
 * prompt, their answers cached per peer (`resourceCacheTtlMs`, or the peer's shorter `ttlMs`).
 */
export class PeerFeatures {
  readonly #options: PeerFeaturesOptions;
  readonly #order: string[];
  readonly #lists: PeerLists;
  readonly #wired = new WeakSet<PeerConnection>();
  readonly #cache: TtlCache<ReadResourceResult | GetPromptResult>;
  readonly #subscriptions: ResourceSubscriptions;
  #resources: Promise<MergedResources> | undefined;
  #templates: Promise<PeerTemplate[]> | undefined;
  #prompts: Promise<MergedPrompts> | undefined;
  /** Items in the merged lists, once listed. */
  readonly #counts = { resources: 0, templates: 0, prompts: 0 };
  #shadowedUris = 0;
  #shadowedPrompts = 0;
  #resourceListChanges = 0;
  #promptListChanges = 0;
  #resourceUpdates = 0;

  constructor(options: PeerFeaturesOptions) {
    this.#options = options;
    this.#order = Object.keys(options.peers);
    this.#cache = new TtlCache({
      maxEntries: options.maxCacheEntries ?? 1_000,
      ...(options.now ? { now: options.now } : {}),
    });
    this.#subscriptions = new ResourceSubscriptions(options.gateway);
    this.#lists = new PeerLists(options.gateway);
  }

  /** True when there are peers: the resources, prompts and completions capabilities are on. */
  get enabled(): boolean {
    return this.#order.length > 0;
  }

  /**
   * Sets the notification handlers on a peer connection (once): list changes drop the peer's
   * listings, `resources/updated` drops the cached read; both reach the clients. A 2026-07-28
   * peer sends them only on a `subscriptions/listen` stream, opened here.
   */
  wire(connection: PeerConnection): void {
    if (this.#wired.has(connection)) return;
    this.#wired.add(connection);
    const { client, peer } = connection;
    // The subscriptions taken on it are taken again on a new connection once it closes.
    const closed = client.onclose;
    client.onclose = () => {
      closed?.();
      this.#subscriptions.connectionClosed(connection);
    };
    client.setNotificationHandler('notifications/resources/list_changed', () =>
      this.#resourcesChanged(peer),
    );
    client.setNotificationHandler('notifications/prompts/list_changed', () =>
      this.#promptsChanged(peer),
    );
    client.setNotificationHandler('notifications/resources/updated', (notification) =>
      this.#updated(peer, notification.params.uri),
    );
    if (client.getProtocolEra() !== 'modern') return;
    const capabilities = client.getServerCapabilities();
    const filter = {
      ...(capabilities?.resources?.listChanged ? { resourcesListChanged: true } : {}),
      ...(capabilities?.prompts?.listChanged ? { promptsListChanged: true } : {}),
    };
    // The stream ends with the connection; a peer that refuses it still answers requests.
    if (Object.keys(filter).length > 0) client.listen(filter).catch(() => {});
  }

  /** Every peer's lists of one kind, in config order; the first failure fails it (naming its peer). */
  async #all<T>(list: (peer: string) => Promise<T[]>): Promise<Map<string, T[]>> {
    const lists = await Promise.all(
      this.#order.map(async (peer) => [peer, await list(peer)] as const),
    );
    return new Map(lists);
  }

  #mergedResources(): Promise<MergedResources> {
    this.#resources ??= this.#all((peer) => this.#lists.resources(peer)).then((lists) =>
      mergeResources(this.#order, lists),
    );
    const merged = this.#resources;
    merged.then(
      (value) => {
        if (this.#resources !== merged) return;
        this.#shadowedUris = value.shadowed;
        this.#counts.resources = value.resources.length;
      },
      () => {
        if (this.#resources === merged) this.#resources = undefined;
      },
    );
    return merged;
  }

  #mergedTemplates(): Promise<PeerTemplate[]> {
    this.#templates ??= this.#all((peer) => this.#lists.templates(peer)).then((lists) =>
      peerTemplates(this.#order, lists),
    );
    const merged = this.#templates;
    merged.then(
      (value) => {
        if (this.#templates === merged) this.#counts.templates = value.length;
      },
      () => {
        if (this.#templates === merged) this.#templates = undefined;
      },
    );
    return merged;
  }

  #mergedPrompts(): Promise<MergedPrompts> {
    this.#prompts ??= this.#all((peer) => this.#lists.prompts(peer)).then((lists) =>
      mergePrompts(this.#order, this.#options.peers, lists),
    );
    const merged = this.#prompts;
    merged.then(
      (value) => {
        if (this.#prompts !== merged) return;
        this.#shadowedPrompts = value.shadowed;
        this.#counts.prompts = value.prompts.length;
      },
      () => {
        if (this.#prompts === merged) this.#prompts = undefined;
      },
    );
    return merged;
  }

  get #pageSize(): number {
    return this.#options.pageSize ?? PEER_FEATURES_PAGE_SIZE;
  }

  async listResources(cursor?: string): Promise<{ resources: Resource[]; nextCursor?: string }> {
    const { items, nextCursor } = page(
      (await this.#mergedResources()).resources,
      cursor,
      this.#pageSize,
    );
    return nextCursor === undefined ? { resources: items } : { resources: items, nextCursor };
  }

  async listResourceTemplates(
    cursor?: string,
  ): Promise<{ resourceTemplates: ResourceTemplateType[]; nextCursor?: string }> {
    const templates = (await this.#mergedTemplates()).map(({ template }) => template);
    const { items, nextCursor } = page(templates, cursor, this.#pageSize);
    return nextCursor === undefined
      ? { resourceTemplates: items }
      : { resourceTemplates: items, nextCursor };
  }

  async listPrompts(cursor?: string): Promise<{ prompts: Prompt[]; nextCursor?: string }> {
    const { items, nextCursor } = page(
      (await this.#mergedPrompts()).prompts,
      cursor,
      this.#pageSize,
    );
    return nextCursor === undefined ? { prompts: items } : { prompts: items, nextCursor };
  }

  /**
   * The peer serving `uri`: the first in config order that listed it, else the first whose
   * template matches it, else the only peer with resources. Otherwise, the caller's mistake.
   */
  async ownerOf(uri: string): Promise<string> {
    const [resources, templates] = await Promise.all([
      this.#mergedResources(),
      this.#mergedTemplates(),
    ]);
    const owner = resources.owners.get(uri) ?? templates.find((t) => t.match(uri))?.peer;
    if (owner !== undefined) return owner;
    // One peer with resources (every peer is listed by now): it may serve URIs it does not list.
    const resourceful = this.#order.filter((peer) => this.#lists.hasResources(peer));
    if (resourceful.length === 1) return resourceful[0]!;
    throw new PeerFeatureNotFoundError(
      'resource',
      uri,
      `Resource ${uri} not found: no peer lists it or a template matching it (resources/list, resources/templates/list).`,
    );
  }

  /** For per-caller grants: the peer of a prompt (by name) or a template (by uriTemplate). */
  async peerOf(kind: 'prompt' | 'template', name: string): Promise<string | undefined> {
    if (kind === 'prompt') return (await this.#mergedPrompts()).owners.get(name)?.peer;
    return (await this.#mergedTemplates()).find((t) => t.template.uriTemplate === name)?.peer;
  }

  async readResource(uri: string, signal?: AbortSignal): Promise<ReadResourceResult> {
    const peer = await this.ownerOf(uri);
    const key = `r\0${peer}\0${uri}`;
    const cached = this.#cache.get(key);
    if (cached) return cached as ReadResourceResult;
    let subscribable = false;
    const result = await this.#options.gateway.request(
      peer,
      'resources/read',
      ({ client }, options) => {
        subscribable = client.getServerCapabilities()?.resources?.subscribe === true;
        return client.readResource({ uri }, { ...options, cacheMode: 'bypass' });
      },
      signal,
    );
    this.#cache.set(key, peer, result, ttlOf(this.#options.peers[peer], result));
    // Its updates drop the cached answer and reach 2026-07-28 clients listening for the URI.
    if (subscribable) this.#subscriptions.watch(uri, peer);
    return result;
  }

  async getPrompt(
    name: string,
    args: Record<string, string> | undefined,
    signal?: AbortSignal,
  ): Promise<GetPromptResult> {
    const owner = (await this.#mergedPrompts()).owners.get(name);
    if (!owner) {
      throw new PeerFeatureNotFoundError(
        'prompt',
        name,
        `Unknown prompt "${name}": prompts/list names the prompts of the peers.`,
      );
    }
    const sorted = Object.entries(args ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = `p\0${owner.peer}\0${owner.name}\0${JSON.stringify(sorted)}`;
    const cached = this.#cache.get(key);
    if (cached) return cached as GetPromptResult;
    const result = await this.#options.gateway.request(
      owner.peer,
      'prompts/get',
      ({ client }, options) =>
        client.getPrompt(
          { name: owner.name, ...(args === undefined ? {} : { arguments: args }) },
          options,
        ),
      signal,
    );
    this.#cache.set(key, owner.peer, result, ttlOf(this.#options.peers[owner.peer], result));
    return result;
  }

  /** `completion/complete` for a prompt (by its name here) or a resource template (by URI). */
  async complete(params: CompleteRequestParams, signal?: AbortSignal): Promise<CompleteResult> {
    const { ref } = params;
    let peer: string;
    let forwarded = params;
    if (ref.type === 'ref/prompt') {
      const owner = (await this.#mergedPrompts()).owners.get(ref.name);
      if (!owner) {
        throw new PeerFeatureNotFoundError(
          'prompt',
          ref.name,
          `Unknown prompt "${ref.name}": prompts/list names the prompts of the peers.`,
        );
      }
      peer = owner.peer;
      forwarded = { ...params, ref: { ...ref, name: owner.name } };
    } else {
      const template = (await this.#mergedTemplates()).find(
        (t) => t.template.uriTemplate === ref.uri,
      );
      peer = template?.peer ?? (await this.ownerOf(ref.uri));
    }
    return this.#options.gateway.request(
      peer,
      'completion/complete',
      ({ client }, options) => client.complete(forwarded, options),
      signal,
    );
  }

  /**
   * Subscribes `subscriber` (a client's session) to `uri` on its owner peer; without one, the
   * gateway watches `uri` for a 2026-07-28 client listening for it (`resourceSubscriptions`).
   */
  async subscribe(uri: string, subscriber?: object): Promise<void> {
    const peer = await this.ownerOf(uri);
    if (subscriber) await this.#subscriptions.subscribe(uri, peer, subscriber);
    else this.#subscriptions.watch(uri, peer);
  }

  unsubscribe(uri: string, subscriber: object): Promise<void> {
    return this.#subscriptions.unsubscribe(uri, subscriber);
  }

  /** Ends every subscription of a client whose session ended. */
  dropSubscriber(subscriber: object): Promise<void> {
    return this.#subscriptions.dropSubscriber(subscriber);
  }

  /** The clients subscribed to `uri` (sessions of the 2025 era). */
  subscribersOf(uri: string): ReadonlySet<object> {
    return this.#subscriptions.subscribersOf(uri);
  }

  #resourcesChanged(peer: string): void {
    this.#resourceListChanges++;
    this.#lists.forget(peer, 'resources', 'templates');
    this.#resources = undefined;
    this.#templates = undefined;
    this.#options.events.resourcesChanged();
  }

  #promptsChanged(peer: string): void {
    this.#promptListChanges++;
    this.#lists.forget(peer, 'prompts');
    this.#prompts = undefined;
    this.#cache.deletePeer(peer, (key) => key.startsWith('p\0'));
    this.#options.events.promptsChanged();
  }

  #updated(peer: string, uri: string): void {
    this.#resourceUpdates++;
    this.#cache.delete(`r\0${peer}\0${uri}`);
    this.#options.events.resourceUpdated(uri);
  }

  stats(): PeerFeatureStats {
    return {
      ...this.#counts,
      shadowedUris: this.#shadowedUris,
      shadowedPrompts: this.#shadowedPrompts,
      subscriptions: this.#subscriptions.stats(),
      resourceListChanges: this.#resourceListChanges,
      promptListChanges: this.#promptListChanges,
      resourceUpdates: this.#resourceUpdates,
      cache: this.#cache.stats(),
    };
  }
}

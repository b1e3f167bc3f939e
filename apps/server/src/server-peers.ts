import type { ServerEventBus } from '@modelcontextprotocol/server';
import type { CategoryRegistry, SchemaCache } from './catalog/index.js';
import type { XServerConfig } from './config/index.js';
import type { DirectTools } from './mcp/index.js';
import { PeerFeatureHub } from './mcp/peer-features.js';
import { PeerFeatures } from './peers/features.js';
import { PeerGateway, type PeerTransportFactory, sharedCategory } from './peers/index.js';

/** The peers as `XServer` serves them. */
export interface ServedPeers {
  gateway: PeerGateway;
  /** Their resources, resource templates, prompts and completions (protocol level). */
  features: PeerFeatures;
  /** Tells clients of both eras when those change. */
  hub: PeerFeatureHub;
}

export interface ServedPeersOptions {
  config: XServerConfig;
  clientInfo: { name: string; version: string };
  transport: PeerTransportFactory | undefined;
  now: () => number;
  /** The change events `subscriptions/listen` streams receive. */
  events: ServerEventBus;
  /** The catalog (meta-tools) and the registry of directly exposed peers. */
  registry: CategoryRegistry;
  directRegistry: CategoryRegistry;
  schemas: SchemaCache;
  /** The direct tools, once built (they are built from the registries filled here). */
  direct: () => DirectTools | undefined;
}

/**
 * Part of the composition root (only `server.ts` imports it): the gateway to the configured
 * peers, their protocol features wired to every new connection, and each peer's category
 * registered as its exposure says — a `direct` peer is not in the catalog, a `both` peer is
 * listed once, by the catalog, and shared with the direct registry.
 */
export function servePeers(options: ServedPeersOptions): ServedPeers {
  const { config, registry, directRegistry } = options;
  const gateway: PeerGateway = new PeerGateway({
    peers: config.peers,
    gateway: config.gateway,
    clientInfo: options.clientInfo,
    ...(options.transport ? { transport: options.transport } : {}),
    now: options.now,
    onToolsChanged: (peer) => {
      registry.invalidate(peer);
      directRegistry.invalidate(peer);
      options.schemas.forget(peer);
      // A direct peer's change is x-server's: every client gets tools/list_changed.
      options.direct()?.changed(peer);
    },
    onConnection: (connection) => features.wire(connection),
  });
  // The hub is built over the features, which tell it of changes: one refers to the other.
  const hub: { events?: PeerFeatureHub } = {};
  const features: PeerFeatures = new PeerFeatures({
    peers: config.peers,
    gateway,
    events: {
      resourcesChanged: () => hub.events?.resourcesChanged(),
      promptsChanged: () => hub.events?.promptsChanged(),
      resourceUpdated: (uri) => hub.events?.resourceUpdated(uri),
    },
  });
  hub.events = new PeerFeatureHub(features, options.events);
  for (const spec of gateway.categories()) {
    const expose = config.peers[spec.name]?.expose ?? 'meta';
    if (expose !== 'direct') registry.register(spec);
    if (expose === 'direct') directRegistry.register(spec);
    if (expose === 'both') directRegistry.register(sharedCategory(spec, registry));
  }
  return { gateway, features, hub: hub.events };
}

import type { CategoryRegistry, CategorySpec } from '../catalog/index.js';
import { type PeerConfig, peerPrefix } from '../config/index.js';
import { ConfigError } from '../errors.js';

/**
 * The MCP tool-name rule (2025-11-25 and 2026-07-28, SEP-986, as the SDK checks it): 1 to 128
 * ASCII letters, digits, `_`, `-` or `.`. A direct tool whose prefixed name breaks it is not
 * served.
 */
export const TOOL_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** A peer whose tools are in the protocol `tools/list`, under its prefix. */
export interface DirectPeer {
  peer: string;
  prefix: string;
}

/** Which peers the catalog meta-tools show, and which are exposed directly, in config order. */
export interface ExposurePlan {
  /** `meta` and `both` peers: in `list_categories`, `dispatch` and the other meta-tools. */
  catalog: string[];
  /** `direct` and `both` peers: their tools in `tools/list` as `<prefix><tool>`. */
  direct: DirectPeer[];
}

/**
 * The exposure of every peer, checked: two directly exposed peers with the same prefix are a
 * configuration error naming both. Their names would collide as soon as both list a tool of the
 * same name, which neither controls (a peer upgrade adds one): a prefix names one peer. Other
 * collisions (a prefixed name equal to a built-in meta-tool, or to another peer's prefixed name
 * through different prefixes) depend on the tools listed and are found when the lists load.
 */
export function exposurePlan(peers: Record<string, PeerConfig>): ExposurePlan {
  const plan: ExposurePlan = { catalog: [], direct: [] };
  const owners = new Map<string, string>();
  for (const [peer, config] of Object.entries(peers)) {
    if (config.expose !== 'direct') plan.catalog.push(peer);
    if (config.expose === 'meta') continue;
    const prefix = peerPrefix(peer, config);
    const owner = owners.get(prefix);
    if (owner !== undefined) {
      throw new ConfigError(
        `peers.${peer}.prefix`,
        `peers "${owner}" and "${peer}" both expose their tools directly with the prefix ${JSON.stringify(prefix)}: their tool names would collide; give one of them another "prefix"`,
        'config',
      );
    }
    owners.set(prefix, peer);
    plan.direct.push({ peer, prefix });
  }
  return plan;
}

/**
 * A `both` peer's category in a second registry, loaded through the first (one listing of the
 * peer serves the catalog and direct exposure alike). Its description stays live (instructions).
 */
export function sharedCategory(spec: CategorySpec, loadedBy: CategoryRegistry): CategorySpec {
  return {
    name: spec.name,
    get description() {
      return spec.description;
    },
    ...(spec.priority === undefined ? {} : { priority: spec.priority }),
    load: async () => ({ tools: [...(await loadedBy.tools(spec.name)).values()] }),
  };
}

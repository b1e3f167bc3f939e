import type { CategoryGuard, CircuitDetail } from '../backends/types.js';
import type { CategoryRegistry } from '../catalog/index.js';
import type { PeerConfig } from '../config/index.js';
import { HttpTransport, type ServerTransport, StdioTransport } from '../transport/index.js';
import type { DashboardSource } from './snapshot.js';

export interface SourceParts {
  instance: string;
  version: string;
  stats: () => Record<string, unknown>;
  /** The catalog's registry first, then the registry of directly exposed peers. */
  registries: readonly CategoryRegistry[];
  peers: Record<string, PeerConfig>;
  guard: CategoryGuard;
  transports: () => Iterable<ServerTransport>;
}

/** What the dashboard reads, over the server's own parts. */
export function dashboardSource(parts: SourceParts): DashboardSource {
  return {
    instance: parts.instance,
    version: parts.version,
    stats: parts.stats,
    categories: () => {
      const seen = new Set<string>();
      return parts.registries
        .flatMap((registry) =>
          registry.list().filter((category) => !seen.has(category.name) && seen.add(category.name)),
        )
        .map(({ toolCount, ...category }) => ({
          ...category,
          ...(toolCount === undefined ? {} : { toolCount }),
        }));
    },
    peers: () =>
      Object.fromEntries(
        Object.entries(parts.peers).map(([name, peer]) => [
          name,
          {
            transport: peer.command === undefined ? 'http' : 'stdio',
            expose: peer.expose ?? 'meta',
          },
        ]),
      ),
    circuits: () => {
      if (parts.guard.circuits) return parts.guard.circuits();
      const circuits: Record<string, CircuitDetail> = {};
      for (const [name, state] of Object.entries(parts.guard.states())) circuits[name] = { state };
      return circuits;
    },
    sessions: () => {
      const sessions = { legacySessions: 0, stdio: 0, requests: { modern: 0, legacy: 0 } };
      for (const transport of parts.transports()) {
        if (transport instanceof HttpTransport) {
          const stats = transport.stats();
          sessions.legacySessions += stats.sessions;
          sessions.requests.modern += stats.eras.modern;
          sessions.requests.legacy += stats.eras.legacy;
        } else if (transport instanceof StdioTransport) {
          sessions.stdio += transport.sessions;
        }
      }
      return sessions;
    },
  };
}

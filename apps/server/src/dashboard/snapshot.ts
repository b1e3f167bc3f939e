import type { CircuitDetail } from '../backends/types.js';
import type { WorkflowReport } from '../workflows/index.js';
import type { CallWindows, WindowsSnapshot } from './windows.js';

/** What the dashboard reads from the server; `XServer` builds one over its layers. */
export interface DashboardSource {
  readonly instance: string;
  readonly version: string;
  /** What `server_stats` answers (the dashboard picks the figures it shows). */
  stats(): Record<string, unknown>;
  categories(): { name: string; description: string; loaded: boolean; toolCount?: number }[];
  /** The configured peers: how each is reached and exposed. */
  peers(): Record<string, { transport: 'stdio' | 'http'; expose: string }>;
  circuits(): Record<string, CircuitDetail>;
  /** Open serving units per protocol era, and `/mcp` requests served per era (HTTP). */
  sessions(): {
    legacySessions: number;
    stdio: number;
    requests: { modern: number; legacy: number };
  };
}

export interface RunSummary {
  id: number;
  /** When the run finished (epoch ms). */
  atMs: number;
  status: string;
  template?: string;
  steps: number;
  failed: number;
  durationMs: number;
  criticalPathMs: number;
  mermaid: string;
}

/** The last `max` workflow runs, newest first: a ring, so memory stays flat. */
export class RecentRuns {
  readonly #runs: RunSummary[] = [];
  #next = 1;

  constructor(
    readonly max = 10,
    readonly now: () => number = Date.now,
  ) {}

  add(report: WorkflowReport): void {
    this.#runs.unshift({
      id: this.#next++,
      atMs: this.now(),
      status: report.status,
      ...(report.template === undefined ? {} : { template: report.template }),
      steps: report.steps.length,
      failed: report.failed,
      durationMs: report.durationMs,
      criticalPathMs: report.criticalPathMs,
      mermaid: report.mermaid,
    });
    if (this.#runs.length > this.max) this.#runs.pop();
  }

  list(): RunSummary[] {
    return [...this.#runs];
  }
}

export interface CategoryRow {
  name: string;
  description: string;
  loaded: boolean;
  toolCount: number | null;
  /** Set for a peer: how it is reached, how its tools are exposed, the era it negotiated. */
  peer: {
    transport: 'stdio' | 'http';
    expose: string;
    era: string | null;
    /** Connections open to the peer now (stdio: processes running). */
    connections: number;
  } | null;
  circuit: CircuitDetail;
}

export interface DashboardSnapshot extends WindowsSnapshot {
  atMs: number;
  instance: string;
  version: string;
  uptimeMs: number;
  categories: CategoryRow[];
  peers: Record<string, number>;
  dispatcher: Record<string, number>;
  cache: {
    hitRate: number;
    hits: number;
    misses: number;
    tiers: { name: string; hits: number; misses: number; hitRate: number }[];
    coalesced: number;
    pendingWrites: number;
  };
  scheduler: { queued: number; running: number; completed: number; failed: number };
  sessions: ReturnType<DashboardSource['sessions']>;
  workflows: Record<string, number>;
  runs: RunSummary[];
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
/** The numeric fields of an object (the figures a panel lists). */
const figures = (value: unknown): Record<string, number> =>
  Object.fromEntries(
    Object.entries(record(value)).filter(([, v]) => typeof v === 'number'),
  ) as Record<string, number>;
const rate = (hits: number, misses: number) =>
  hits + misses === 0 ? 0 : Math.round((hits / (hits + misses)) * 1000) / 1000;

/** One frame of the page: everything it shows, as plain JSON. */
export function buildSnapshot(
  source: DashboardSource,
  windows: CallWindows,
  runs: RecentRuns,
  now: number,
): DashboardSnapshot {
  const stats = source.stats();
  const cache = record(stats.cache);
  const dispatcher = figures(stats.dispatcher);
  const peerStats = record(stats.peers);
  const eras = record(peerStats.eras);
  const open = record(peerStats.connectionsByPeer);
  const peers = source.peers();
  const circuits = source.circuits();
  const scheduler = record(stats.scheduler);
  const tierHits = Array.isArray(cache.tierHits)
    ? (cache.tierHits as { name: string; hits: number; misses: number }[])
    : [];
  return {
    atMs: now,
    instance: source.instance,
    version: source.version,
    uptimeMs: num(stats.uptimeMs),
    ...windows.snapshot(),
    categories: source.categories().map((category) => {
      const peer = peers[category.name];
      return {
        name: category.name,
        description: category.description,
        loaded: category.loaded,
        toolCount: category.toolCount ?? null,
        peer: peer
          ? {
              ...peer,
              era: typeof eras[category.name] === 'string' ? (eras[category.name] as string) : null,
              connections: num(open[category.name]),
            }
          : null,
        circuit: circuits[category.name] ?? { state: 'closed' },
      };
    }),
    peers: figures(peerStats),
    dispatcher,
    cache: {
      hitRate: num(cache.hitRate),
      hits: num(cache.hits),
      misses: num(cache.misses),
      tiers: tierHits.map((tier) => ({ ...tier, hitRate: rate(tier.hits, tier.misses) })),
      coalesced: num(dispatcher.coalesced),
      pendingWrites: num(cache.pendingWrites),
    },
    scheduler: {
      queued: num(scheduler.queued),
      running: num(scheduler.running),
      completed: num(scheduler.completed),
      failed: num(scheduler.failed),
    },
    sessions: source.sessions(),
    workflows: figures(stats.workflows),
    runs: runs.list(),
  };
}

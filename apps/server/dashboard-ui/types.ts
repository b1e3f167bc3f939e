// The snapshot the server sends (apps/server/src/dashboard/snapshot.ts), as the page reads it.
export interface ToolFigures {
  name: string;
  category: string;
  tool: string;
  calls: number;
  rate: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface CategoryRow {
  name: string;
  description: string;
  loaded: boolean;
  toolCount: number | null;
  peer: {
    transport: 'stdio' | 'http';
    expose: string;
    era: string | null;
    /** Connections open to the peer now (stdio: processes running). */
    connections: number;
  } | null;
  circuit: { state: string; retryAt?: number };
}

export interface RunSummary {
  id: number;
  atMs: number;
  status: string;
  template?: string;
  steps: number;
  failed: number;
  durationMs: number;
  criticalPathMs: number;
  mermaid: string;
}

export interface Snapshot {
  atMs: number;
  instance: string;
  version: string;
  uptimeMs: number;
  windowSeconds: number;
  slotSeconds: number;
  tools: ToolFigures[];
  series: { startSecond: number; calls: number[]; errors: number[] };
  errors: { atMs: number; category: string; tool: string; code: string; message: string }[];
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
  sessions: { legacySessions: number; stdio: number; requests: { modern: number; legacy: number } };
  workflows: Record<string, number>;
  runs: RunSummary[];
}

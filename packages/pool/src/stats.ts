/** Running counts, kept per peer and for the whole pool. */
export interface Counters {
  /** Acquires that found an idle connection. */
  hits: number;
  /** Acquires that found none idle and had to wait for a create or a release. */
  misses: number;
  /** Connections created. */
  creates: number;
  /** `create` calls that threw, rejected or timed out. */
  createErrors: number;
  /** Connections handed to `destroy`. */
  destroyed: number;
  /** Connections found invalid by `validate` (on borrow or while idle). */
  validationFailures: number;
}

/** A peer's figures, all plain numbers. */
export interface PeerStats extends Counters {
  /** Connections open or being created. */
  size: number;
  /** Idle connections ready to lend. */
  available: number;
  /** Connections lent out. */
  borrowed: number;
  /** Acquires waiting for a connection. */
  pending: number;
  /** `hits / (hits + misses)`, 0 before the first acquire. */
  hitRate: number;
}

/** The whole pool's figures: gauges summed over peers, counters since the pool was made. */
export interface PoolStats extends PeerStats {
  /** Peers with an open pool. */
  peers: number;
  /** Peers whose pool was closed by `maxPeers`, `maxTotal` or `idleTimeoutMs`. */
  evictedPeers: number;
  /** Per-peer figures, by peer id (open peers only). */
  byPeer: Record<string, PeerStats>;
}

export function newCounters(): Counters {
  return { hits: 0, misses: 0, creates: 0, createErrors: 0, destroyed: 0, validationFailures: 0 };
}

export function hitRate(counters: Pick<Counters, 'hits' | 'misses'>): number {
  const total = counters.hits + counters.misses;
  return total === 0 ? 0 : counters.hits / total;
}

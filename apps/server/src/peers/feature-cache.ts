/** Hit, miss and size figures of a {@link TtlCache}, for `server_stats`. */
export interface TtlCacheFigures {
  entries: number;
  hits: number;
  misses: number;
  /** Entries dropped by a peer's `notifications/resources/updated` or `list_changed`. */
  invalidations: number;
  /** Entries dropped to stay within `maxEntries` (least recently used first). */
  evictions: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  /** The peer the answer came from: a peer's list change or disconnect drops its entries. */
  peer: string;
}

/**
 * A bounded in-memory cache with a TTL per entry: at most `maxEntries`, the least recently used
 * dropped first, an expired entry is a miss. For peers' `resources/read` and `prompts/get`
 * answers, keyed by peer and request.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;
  #invalidations = 0;
  #evictions = 0;

  constructor(options: { maxEntries: number; now?: () => number }) {
    this.#maxEntries = Math.max(1, options.maxEntries);
    this.#now = options.now ?? Date.now;
  }

  /** The fresh value under `key`, counted as a hit; `undefined` (a miss) otherwise. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= this.#now()) {
      if (entry) this.#entries.delete(key);
      this.#misses++;
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#hits++;
    return entry.value;
  }

  /** Keeps `value` for `ttlMs` (nothing is kept for a TTL of 0 or less). */
  set(key: string, peer: string, value: V, ttlMs: number): void {
    if (!(ttlMs > 0)) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, peer, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.#evictions++;
    }
  }

  /** Drops the entry under `key`; true if there was one. */
  delete(key: string): boolean {
    const had = this.#entries.delete(key);
    if (had) this.#invalidations++;
    return had;
  }

  /** Drops every entry of `peer` whose key passes `match` (every entry of the peer by default). */
  deletePeer(peer: string, match: (key: string) => boolean = () => true): void {
    for (const [key, entry] of this.#entries) {
      if (entry.peer === peer && match(key)) this.delete(key);
    }
  }

  stats(): TtlCacheFigures {
    return {
      entries: this.#entries.size,
      hits: this.#hits,
      misses: this.#misses,
      invalidations: this.#invalidations,
      evictions: this.#evictions,
    };
  }
}

/** The shorter of the peer's `resourceCacheTtlMs` and the `ttlMs` its answer carries. */
export function ttlOf(peer: { resourceCacheTtlMs: number } | undefined, result: object): number {
  const configured = peer?.resourceCacheTtlMs ?? 0;
  const hinted = (result as { ttlMs?: unknown }).ttlMs;
  return typeof hinted === 'number' ? Math.min(configured, hinted) : configured;
}

export interface ResultCacheFigures {
  hits: number;
  misses: number;
  hitRate: number;
}

/** Serves results of read-only, idempotent tools by a key computed from the call. */
export interface ResultCache {
  key(category: string, tool: string, params: unknown): string;
  /** `undefined` on a miss; a hit is wrapped so a cached `null` stays a hit. */
  get(key: string): Promise<{ value: unknown } | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  stats(): ResultCacheFigures;
  close(): Promise<void>;
}

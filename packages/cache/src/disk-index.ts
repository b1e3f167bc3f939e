import { type DiskEnv, type Meta, setTotalBytes, totalBytes } from './lmdb-env.js';

export { totalBytes };

/**
 * The bookkeeping a DiskStore does inside LMDB write transactions: the value, its metadata, the
 * LRU and expiry indexes and the byte total always change together, in one transaction, so a
 * crash can never leave them disagreeing. Every function here must run inside a transaction.
 */

/** Fixed cost counted per entry for its metadata and index rows, so tiny values still count. */
export const ENTRY_OVERHEAD_BYTES = 64;
export function entryCount(env: DiskEnv): number {
  return (env.entries.getStats() as { entryCount: number }).entryCount;
}

/** Writes an entry and its index rows; returns the byte total after it. */
export function writeEntry(env: DiskEnv, key: string, record: Buffer, meta: Meta): number {
  let total = totalBytes(env) + meta[2];
  const old = env.meta.get(key);
  if (old) total -= unindex(env, key, old);
  env.entries.put(key, record);
  env.meta.put(key, meta);
  env.byAccess.put([meta[0], key], 1);
  if (meta[1] > 0) env.byExpiry.put([meta[1], key], 1);
  setTotalBytes(env, total);
  return total;
}

/** Removes a key and its index rows; false if it was not there. */
export function removeEntry(env: DiskEnv, key: string): boolean {
  const meta = env.meta.get(key);
  if (meta === undefined) return false;
  const bytes = unindex(env, key, meta);
  env.entries.remove(key);
  env.meta.remove(key);
  setTotalBytes(env, Math.max(0, totalBytes(env) - bytes));
  return true;
}

function unindex(env: DiskEnv, key: string, [tick, expiresAt, bytes]: Meta): number {
  env.byAccess.remove([tick, key]);
  if (expiresAt > 0) env.byExpiry.remove([expiresAt, key]);
  return bytes;
}

/** Moves each key to its newer read time in the LRU index (older or vanished keys are skipped). */
export function applyTouches(env: DiskEnv, touched: Map<string, number>): void {
  for (const [key, tick] of touched) {
    const meta = env.meta.get(key);
    if (meta === undefined || meta[0] >= tick) continue;
    env.byAccess.remove([meta[0], key]);
    env.byAccess.put([tick, key], 1);
    env.meta.put(key, [tick, meta[1], meta[2]]);
  }
}

/** Removes the listed `[expiresAt, key]` rows whose entry still has that expiry; returns how many. */
export function removeExpired(env: DiskEnv, due: Array<[number, string]>): number {
  let count = 0;
  for (const [expiresAt, key] of due) {
    env.byExpiry.remove([expiresAt, key]);
    const meta = env.meta.get(key);
    if (meta && meta[1] === expiresAt && removeEntry(env, key)) count++;
  }
  return count;
}

/**
 * Evicts up to `limit` least recently used entries while either target is exceeded (a target of
 * 0 entries means no entry bound). Returns how many were evicted and how many index rows were read.
 */
export function evictOldest(
  env: DiskEnv,
  targetBytes: number,
  targetEntries: number,
  limit: number,
): { evicted: number; scanned: number } {
  let entries = entryCount(env);
  let evicted = 0;
  let scanned = 0;
  for (const [tick, key] of [...env.byAccess.getKeys({ limit })]) {
    if (totalBytes(env) <= targetBytes && (targetEntries === 0 || entries <= targetEntries)) break;
    scanned++;
    env.byAccess.remove([tick, key]);
    if (env.meta.get(key)?.[0] === tick && removeEntry(env, key)) {
      evicted++;
      entries--;
    }
  }
  return { evicted, scanned };
}

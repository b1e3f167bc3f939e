import { type Database, open, type RootDatabase } from 'lmdb';

/** [lastAccessTick, expiresAt (0 = never), bytes] */
export type Meta = [number, number, number];

/** The LMDB environment of one directory and the databases a DiskStore keeps in it. */
export interface DiskEnv {
  readonly root: RootDatabase;
  /** key → encoded record (see disk-record.ts) */
  readonly entries: Database<Buffer, string>;
  readonly meta: Database<Meta, string>;
  /** [tick, key] → 1, ordered oldest access first */
  readonly byAccess: Database<number, [number, string]>;
  /** [expiresAt, key] → 1, ordered soonest expiry first */
  readonly byExpiry: Database<number, [number, string]>;
  /** 'bytes' → total accounted bytes */
  readonly info: Database<number, string>;
}

interface Shared {
  env: DiskEnv;
  refs: number;
}

// LMDB must not open one environment twice in a process (each open takes a reader slot and
// breaks its file locks on close), so instances on the same path share one, reference-counted.
const shared = new Map<string, Shared>();

/** `syncWrites` applies when this call opens the environment; later openers share it as it is. */
export function acquireEnv(
  path: string,
  syncWrites: boolean,
): { env: DiskEnv; release: () => Promise<void> } {
  let entry = shared.get(path);
  if (entry === undefined) {
    const root = open({ path, maxDbs: 8, compression: false, noSync: !syncWrites });
    entry = {
      refs: 0,
      env: {
        root,
        entries: root.openDB({ name: 'entries', encoding: 'binary' }),
        meta: root.openDB({ name: 'meta' }),
        byAccess: root.openDB({ name: 'by-access' }),
        byExpiry: root.openDB({ name: 'by-expiry' }),
        info: root.openDB({ name: 'info' }),
      },
    };
    shared.set(path, entry);
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    env: held.env,
    release: async () => {
      if (released) return;
      released = true;
      if (--held.refs > 0) return;
      shared.delete(path);
      await held.env.root.close();
    },
  };
}

import { type Database, open, type RootDatabase } from 'lmdb';
import { type DiskReset, finishUnsynced, prepareDataFile, quarantine } from './disk-recovery.js';

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
  /** Whether commits are fsynced (decided by the first opener in this process). */
  readonly syncWrites: boolean;
  /** Runs `fn` in a write transaction; resolves with its result once committed. */
  write<T>(fn: () => T): Promise<T>;
}

interface Shared {
  env: DiskEnv;
  refs: number;
}

// Paths open without fsync in this process. A script that exits without close() (the usual
// case) still fsyncs them and drops its markers on the way out, so a later reboot does not read
// as a crash; only a killed process leaves its marker behind.
const unsynced = new Set<string>();
const finishAllUnsynced = () => {
  for (const path of unsynced) {
    try {
      finishUnsynced(path);
    } catch {
      // Exiting anyway; the marker stays and the next opener deals with it.
    }
  }
};

// LMDB must not open one environment twice in a process (each open takes a reader slot and
// breaks its file locks on close), so instances on the same path share one, reference-counted.
const shared = new Map<string, Shared>();

/**
 * `syncWrites` applies when this call opens the environment; later openers share it as it is.
 * `reset` says why the store started empty, when it had to (see disk-recovery.ts).
 */
export function acquireEnv(
  path: string,
  syncWrites: boolean,
): { env: DiskEnv; reset: DiskReset | undefined; release: () => Promise<void> } {
  let entry = shared.get(path);
  let reset: DiskReset | undefined;
  if (entry === undefined) {
    reset = prepareDataFile(path, syncWrites);
    let root: RootDatabase;
    try {
      root = openRoot(path, syncWrites);
    } catch (error) {
      // A file that passed the header check but that LMDB refuses (another format version, say).
      reset = quarantine(path, 'open-failed', error);
      prepareDataFile(path, syncWrites);
      root = openRoot(path, syncWrites);
    }
    entry = {
      refs: 0,
      env: {
        root,
        entries: root.openDB({ name: 'entries', encoding: 'binary' }),
        meta: root.openDB({ name: 'meta' }),
        byAccess: root.openDB({ name: 'by-access' }),
        byExpiry: root.openDB({ name: 'by-expiry' }),
        info: root.openDB({ name: 'info' }),
        syncWrites,
        write: syncWrites
          ? <T>(fn: () => T) => root.transaction(fn) as Promise<T>
          : batchedSyncWriter(root),
      },
    };
    shared.set(path, entry);
    if (!syncWrites) {
      if (unsynced.size === 0) process.on('exit', finishAllUnsynced);
      unsynced.add(path);
    }
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    env: held.env,
    reset,
    release: async () => {
      if (released) return;
      released = true;
      if (--held.refs > 0) return;
      shared.delete(path);
      await held.env.root.close();
      if (!held.env.syncWrites) {
        unsynced.delete(path);
        if (unsynced.size === 0) process.off('exit', finishAllUnsynced);
        finishUnsynced(path);
      }
    },
  };
}

function openRoot(path: string, syncWrites: boolean): RootDatabase {
  return open({ path, maxDbs: 8, compression: false, noSync: !syncWrites });
}

interface QueuedWrite {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Without fsync, a commit is only a few page writes into the OS cache, so it is committed on the
 * main thread: every write queued in one turn of the microtask queue goes into one synchronous
 * transaction. That skips lmdb-js's hand-off to its write thread and back, which costs far more
 * than the commit itself when writes are awaited one at a time.
 */
function batchedSyncWriter(root: RootDatabase): <T>(fn: () => T) => Promise<T> {
  let queue: QueuedWrite[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    let results: unknown[];
    try {
      results = root.transactionSync(() => batch.map((op) => op.fn()));
    } catch {
      // One failing write aborted the whole transaction: commit each alone, so only it fails.
      for (const op of batch) {
        try {
          op.resolve(root.transactionSync(op.fn));
        } catch (error) {
          op.reject(error);
        }
      }
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]);
  };
  return <T>(fn: () => T) =>
    new Promise<T>((resolve, reject) => {
      if (queue.push({ fn, resolve: resolve as (value: unknown) => void, reject }) === 1) {
        queueMicrotask(flush);
      }
    });
}

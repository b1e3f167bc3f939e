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
  /** The byte total as the running write transaction sees it (see disk-index.ts). */
  readonly tx: TxBytes;
  /** Runs `fn` in a write transaction; resolves with its result once committed. */
  write<T>(fn: () => T): Promise<T>;
}

/**
 * The byte total inside one write transaction: read from `info` at most once and written back
 * once at its end, instead of a read and a write per entry changed. Outside a transaction,
 * `active` is false and readers go to `info` itself.
 */
export interface TxBytes {
  active: boolean;
  /** The total as of the last change in this transaction; undefined until first read. */
  bytes: number | undefined;
  dirty: boolean;
}

const BYTES_KEY = 'bytes';

/** Runs `fn` with the transaction's byte total cached; must be called inside a transaction. */
export function inTransaction<T>(env: DiskEnv, fn: () => T): T {
  const tx = env.tx;
  tx.active = true;
  tx.bytes = undefined;
  tx.dirty = false;
  try {
    const result = fn();
    if (tx.dirty) env.info.put(BYTES_KEY, tx.bytes ?? 0);
    return result;
  } finally {
    tx.active = false;
    tx.bytes = undefined;
    tx.dirty = false;
  }
}

/** The accounted bytes: the transaction's view inside one, the committed value outside. */
export function totalBytes(env: DiskEnv): number {
  const tx = env.tx;
  if (!tx.active) return env.info.get(BYTES_KEY) ?? 0;
  if (tx.bytes === undefined) tx.bytes = env.info.get(BYTES_KEY) ?? 0;
  return tx.bytes;
}

/** Sets the accounted bytes; written to `info` when the transaction's work ends. */
export function setTotalBytes(env: DiskEnv, total: number): void {
  const tx = env.tx;
  if (!tx.active) throw new Error('@x/cache: the byte total changes only inside a write');
  tx.bytes = total;
  tx.dirty = true;
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
    const tx: TxBytes = { active: false, bytes: undefined, dirty: false };
    const env = {
      root,
      entries: root.openDB({ name: 'entries', encoding: 'binary' }),
      meta: root.openDB({ name: 'meta' }),
      byAccess: root.openDB({ name: 'by-access' }),
      byExpiry: root.openDB({ name: 'by-expiry' }),
      info: root.openDB({ name: 'info' }),
      syncWrites,
      tx,
    } as Omit<DiskEnv, 'write'> as DiskEnv;
    (env as { write: DiskEnv['write'] }).write = syncWrites
      ? <T>(fn: () => T) => root.transaction(() => inTransaction(env, fn)) as Promise<T>
      : batchedSyncWriter(root, env);
    entry = { refs: 0, env };
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
function batchedSyncWriter(root: RootDatabase, env: DiskEnv): <T>(fn: () => T) => Promise<T> {
  let queue: QueuedWrite[] = [];
  const runBatch = (batch: QueuedWrite[]) => () =>
    inTransaction(env, () => {
      const results = new Array<unknown>(batch.length);
      for (let i = 0; i < batch.length; i++) results[i] = batch[i]!.fn();
      return results;
    });
  const flush = () => {
    const batch = queue;
    queue = [];
    let results: unknown[];
    try {
      results = root.transactionSync(runBatch(batch));
    } catch {
      // One failing write aborted the whole transaction: commit each alone, so only it fails.
      for (const op of batch) {
        try {
          op.resolve(root.transactionSync(() => inTransaction(env, op.fn)));
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

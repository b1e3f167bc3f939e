import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { uptime } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * What protects a DiskStore whose writes are not fsynced (`syncWrites: false`) from a machine
 * crash. A process crash loses nothing (the OS holds every committed page), but an OS crash or
 * power loss can leave the LMDB file half-written, and LMDB may crash the process (SIGSEGV, not
 * an exception) when it reads a damaged file. So:
 * - each process writing without fsync leaves a marker file naming the boot it runs in, and
 *   removes it after a clean close (which fsyncs the data first);
 * - a marker from an earlier boot means a writer never closed before the machine went down: the
 *   data may be damaged, so it is moved aside and the store starts empty;
 * - a file that does not start with LMDB's meta page (garbage, truncated) is moved aside too.
 */

/** Why a store started empty: what was wrong and where the old data file went. */
export interface DiskReset {
  reason: 'unclean-os-shutdown' | 'not-an-lmdb-file' | 'open-failed';
  /** The damaged data file, kept for inspection; the next reset replaces it. */
  movedTo: string;
  /** The error LMDB gave when it could not open the file (`'open-failed'` only). */
  error?: unknown;
}

const MARKER = '.unsynced-';
const LMDB_MAGIC = 0xbeefc0de;
/** LMDB 1.x page header: pgno (8), txnid (8), pad (2), flags (2), lower/upper (4); then the meta. */
const META_MAGIC_OFFSET = 24;
const META_FLAGS_OFFSET = 18;
const P_META = 0x08;
const BOOT_TIME_SLACK_S = 60;

let cachedBootId: string | undefined;

/** Linux's boot id; elsewhere `t` + the boot time in seconds (compared with some slack). */
export function bootId(): string {
  if (cachedBootId !== undefined) return cachedBootId;
  try {
    cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    cachedBootId = `t${Math.round(Date.now() / 1000 - uptime())}`;
  }
  return cachedBootId;
}

/** A boot time derived from the clock and the uptime jitters; a large clock jump reads as a reboot. */
function sameBoot(a: string, b: string): boolean {
  if (a === b) return true;
  if (!a.startsWith('t') || !b.startsWith('t')) return false;
  return Math.abs(Number(a.slice(1)) - Number(b.slice(1))) <= BOOT_TIME_SLACK_S;
}

function markerName(dataFile: string, boot: string, pid: number): string {
  return `${basename(dataFile)}${MARKER}${boot}-${pid}`;
}

function markers(dataFile: string): Array<{ file: string; boot: string; pid: number }> {
  const prefix = `${basename(dataFile)}${MARKER}`;
  const found: Array<{ file: string; boot: string; pid: number }> = [];
  for (const name of readdirSync(dirname(dataFile))) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const dash = rest.lastIndexOf('-');
    found.push({
      file: join(dirname(dataFile), name),
      boot: rest.slice(0, dash),
      pid: Number(rest.slice(dash + 1)),
    });
  }
  return found;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fsyncPath(path: string, flags = 'r'): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, flags);
    fsyncSync(fd);
  } catch {
    // A directory cannot be fsynced on every platform; the data file always can.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether the file is absent, empty, or starts with an LMDB meta page. */
function looksLikeLmdb(dataFile: string): boolean {
  let fd: number;
  try {
    fd = openSync(dataFile, 'r');
  } catch {
    return true; // absent: LMDB creates it
  }
  try {
    const head = Buffer.alloc(META_MAGIC_OFFSET + 4);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read === 0) return true;
    return (
      read === head.length &&
      (head.readUInt16LE(META_FLAGS_OFFSET) & P_META) !== 0 &&
      head.readUInt32LE(META_MAGIC_OFFSET) === LMDB_MAGIC
    );
  } finally {
    closeSync(fd);
  }
}

/** Moves the data file aside (replacing an older damaged copy) and drops its lock file and markers. */
export function quarantine(
  dataFile: string,
  reason: DiskReset['reason'],
  error?: unknown,
): DiskReset {
  const movedTo = `${dataFile}.damaged`;
  try {
    renameSync(dataFile, movedTo);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  rmSync(`${dataFile}-lock`, { force: true });
  for (const { file } of markers(dataFile)) rmSync(file, { force: true });
  return { reason, movedTo, ...(error === undefined ? {} : { error }) };
}

/**
 * Runs before LMDB opens `dataFile`: moves a damaged or suspect file aside (see the top of this
 * file) and, when this process will write without fsync, leaves its own marker.
 */
export function prepareDataFile(dataFile: string, syncWrites: boolean): DiskReset | undefined {
  const boot = bootId();
  let reset: DiskReset | undefined;
  const found = markers(dataFile);
  if (found.some((marker) => !sameBoot(marker.boot, boot))) {
    reset = quarantine(dataFile, 'unclean-os-shutdown');
  } else if (!looksLikeLmdb(dataFile)) {
    reset = quarantine(dataFile, 'not-an-lmdb-file');
  } else {
    // Writers of this boot that died (SIGKILL) left pages the OS still holds: flush them to the
    // disk, then their markers are no longer needed.
    const dead = found.filter((marker) => !isAlive(marker.pid));
    if (dead.length > 0) {
      fsyncPath(dataFile);
      for (const { file } of dead) rmSync(file, { force: true });
    }
  }
  if (!syncWrites) {
    // The marker must outlive an OS crash itself, so it is fsynced along with its directory.
    const marker = join(dirname(dataFile), markerName(dataFile, boot, process.pid));
    writeFileSync(marker, '');
    fsyncPath(marker);
    fsyncPath(dirname(dataFile));
  }
  return reset;
}

/** After a clean close without fsync: flush the data to the disk, then drop this process's marker. */
export function finishUnsynced(dataFile: string): void {
  fsyncPath(dataFile);
  rmSync(join(dirname(dataFile), markerName(dataFile, bootId(), process.pid)), { force: true });
}

import {
  close,
  closeSync,
  fstatSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { ExporterClosedError } from './errors.js';
import { rotatedPath } from './rotated-files.js';
import type { ExportOptions, Span, SpanExporter } from './span.js';
import { assertInteger } from './validate.js';

export interface JsonlFileExporterOptions {
  /** The file spans are appended to; its directory is created. Rotated files are `<path>.1` (newest) … */
  path: string;
  /**
   * Rotate before a write would take the file past this size. A single batch larger than
   * this still goes into one file.
   * @default 10_485_760 (10 MiB)
   */
  maxFileBytes?: number;
  /**
   * Files kept, the active one included; the oldest rotated file is deleted beyond it.
   * 1 means the active file is truncated on rotation.
   * @default 5
   */
  maxFiles?: number;
  /**
   * fsync after every batch: a batch is on disk when its export resolves, at the cost of one
   * disk flush per batch (in the thread pool; `exportSync` flushes synchronously).
   * @default false
   */
  fsync?: boolean;
}

export interface JsonlFileExporterStats {
  /** `write(2)` calls made; one per batch unless the kernel wrote short. */
  writes: number;
  bytesWritten: number;
  spansWritten: number;
  rotations: number;
  /** Bytes in the active file, as far as this exporter knows. */
  fileBytes: number;
  /**
   * Spans left out because `JSON.stringify` threw on them (a `BigInt`, a cycle); the rest of
   * their batch is written.
   */
  unserializableSpans: number;
}

interface PendingWrite {
  data: Buffer;
  lines: number;
  signal: AbortSignal | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Appends each batch to a JSONL file as one write: one complete JSON object per line, so a
 * reader only ever loses a torn last line after a crash. Rotates by size and keeps a bounded
 * number of files.
 *
 * Every byte reaches the file through one synchronous step per batch (open or rotate if need
 * be, then `writeSync`), run in a microtask after `export()`, never inside it. So no write is
 * ever half done when other code runs: `exportSync()` (the `exit` flush) first writes the
 * batches `export()` accepted but has not written yet, in order, then its own, and can never
 * interleave with, reorder or pull a descriptor from under an async write. Only the optional
 * `fsync` runs in the thread pool; a descriptor is closed once no fsync uses it any more.
 */
export class JsonlFileExporter implements SpanExporter {
  readonly path: string;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;
  readonly #fsync: boolean;
  // One numeric descriptor shared by the async and the sync path, so `exit` appends to the
  // same file the async writes went to.
  #fd: number | undefined;
  #fileBytes = 0;
  // The file ended without a newline (a torn line from a crash or a failed write): the next
  // write starts with one, so the torn line stays alone on its line instead of swallowing the
  // first new span.
  #startsMidLine = false;
  #closed = false;
  // Batches `export()` accepted and not written yet, in the order they came.
  #pending: PendingWrite[] = [];
  #drainScheduled = false;
  // Async fsyncs running, per descriptor; a rotated-out descriptor is closed when it has none.
  readonly #fsyncing = new Map<number, number>();
  readonly #retired = new Set<number>();
  readonly #fsyncsDone = new Set<() => void>();
  #writes = 0;
  #bytesWritten = 0;
  #spansWritten = 0;
  #rotations = 0;
  #unserializableSpans = 0;

  constructor(options: JsonlFileExporterOptions) {
    if (
      options === null ||
      typeof options !== 'object' ||
      typeof options.path !== 'string' ||
      options.path === ''
    ) {
      throw new TypeError('path must be a non-empty string: the JSONL file to append spans to');
    }
    this.path = options.path;
    this.#maxFileBytes = assertInteger('maxFileBytes', options.maxFileBytes ?? 10 * 1024 * 1024, 1);
    this.#maxFiles = assertInteger('maxFiles', options.maxFiles ?? 5, 1);
    this.#fsync = options.fsync ?? false;
  }

  /**
   * Queues the batch and writes it in a microtask, in one synchronous step; resolves once it is
   * written (and fsynced with `fsync: true`).
   */
  export(spans: readonly Span[], options?: ExportOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new ExporterClosedError('JsonlFileExporter'));
    const { data, lines } = this.#serialize(spans);
    return new Promise((resolve, reject) => {
      this.#pending.push({ data, lines, signal: options?.signal, resolve, reject });
      if (this.#drainScheduled) return;
      this.#drainScheduled = true;
      queueMicrotask(() => {
        this.#drainScheduled = false;
        this.#drain(false);
      });
    });
  }

  /**
   * Synchronous append, for a best-effort flush on process `exit`: writes the batches `export()`
   * accepted and has not written yet first (so nothing is reordered or lost), then this one.
   */
  exportSync(spans: readonly Span[]): void {
    if (this.#closed) throw new ExporterClosedError('JsonlFileExporter');
    const { data, lines } = this.#serialize(spans);
    this.#drain(true);
    const fd = this.#writeBatch(data, lines);
    if (this.#fsync) fsyncSync(fd);
  }

  /** Writes what is pending, waits for the last fsync and closes the file. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#drain(false);
    while (this.#fsyncing.size > 0) {
      await new Promise<void>((resolve) => this.#fsyncsDone.add(resolve));
    }
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) await closeAsync(fd);
  }

  stats(): JsonlFileExporterStats {
    return {
      writes: this.#writes,
      bytesWritten: this.#bytesWritten,
      spansWritten: this.#spansWritten,
      rotations: this.#rotations,
      fileBytes: this.#fileBytes,
      unserializableSpans: this.#unserializableSpans,
    };
  }

  // Writes every pending batch, oldest first. `syncFsync`: at exit, where a promise never
  // settles, the caller fsyncs once after its own batch instead.
  #drain(syncFsync: boolean): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    for (const batch of pending) {
      // Once the bytes are handed to the kernel there is nothing left to cancel.
      if (batch.signal?.aborted) {
        batch.reject(batch.signal.reason);
        continue;
      }
      let fd: number;
      try {
        fd = this.#writeBatch(batch.data, batch.lines);
      } catch (error) {
        batch.reject(error);
        continue;
      }
      if (!this.#fsync || syncFsync) batch.resolve();
      else this.#fsyncAsync(fd).then(batch.resolve, batch.reject);
    }
  }

  // The one place bytes reach the file: open or rotate if need be, then write, all synchronous.
  #writeBatch(serialized: Buffer, spanCount: number): number {
    let fd = this.#fd ?? this.#openSync();
    if (this.#needsRotation(serialized.length)) {
      this.#fd = undefined;
      this.#retire(fd);
      this.#rotateSync();
      fd = this.#openSync();
    }
    const data = this.#withLeadingNewline(serialized);
    let offset = 0;
    try {
      while (offset < data.length) {
        offset += writeSync(fd, data, offset, data.length - offset);
        this.#writes++;
      }
    } finally {
      if (offset > 0 && offset < data.length) this.#startsMidLine = true;
      this.#account(offset, offset === data.length ? spanCount : 0);
    }
    return fd;
  }

  #fsyncAsync(fd: number): Promise<void> {
    this.#fsyncing.set(fd, (this.#fsyncing.get(fd) ?? 0) + 1);
    return new Promise<void>((resolve, reject) => {
      fsync(fd, (error) => {
        const left = (this.#fsyncing.get(fd) ?? 1) - 1;
        if (left > 0) this.#fsyncing.set(fd, left);
        else {
          this.#fsyncing.delete(fd);
          if (this.#retired.delete(fd)) close(fd, () => undefined);
          for (const done of this.#fsyncsDone) done();
          this.#fsyncsDone.clear();
        }
        if (error) reject(error);
        else resolve();
      });
    });
  }

  // Closes a descriptor rotated out, or, while an fsync still uses it, once that one ends.
  #retire(fd: number): void {
    if (this.#fsyncing.has(fd)) this.#retired.add(fd);
    else closeSync(fd);
  }

  #openSync(): number {
    mkdirSync(dirname(this.path), { recursive: true });
    // 'a+' rather than 'a': the last byte is read back to detect a torn last line.
    const fd = openSync(this.path, 'a+');
    const { size } = fstatSync(fd);
    const last = Buffer.alloc(1);
    if (size > 0) readSync(fd, last, 0, 1, size - 1);
    this.#fd = fd;
    this.#fileBytes = size;
    this.#startsMidLine = size > 0 && last[0] !== NEWLINE;
    return fd;
  }

  #withLeadingNewline(data: Buffer): Buffer {
    if (!this.#startsMidLine || data.length === 0) return data;
    this.#startsMidLine = false;
    return Buffer.concat([Buffer.from('\n'), data]);
  }

  // One line per span; a span JSON cannot encode is left out and counted, not the whole batch.
  #serialize(spans: readonly Span[]): { data: Buffer; lines: number } {
    let text = '';
    let lines = 0;
    for (const span of spans) {
      let line: string | undefined;
      try {
        line = JSON.stringify(span);
      } catch {
        line = undefined;
      }
      if (typeof line === 'string') {
        text += `${line}\n`;
        lines++;
      } else {
        this.#unserializableSpans++;
      }
    }
    return { data: Buffer.from(text), lines };
  }

  #needsRotation(incomingBytes: number): boolean {
    return this.#fileBytes > 0 && this.#fileBytes + incomingBytes > this.#maxFileBytes;
  }

  // <path>.N-1 → <path>.N …, <path> → <path>.1; the file that would become <path>.maxFiles goes.
  #rotateSync(): void {
    const last = this.#maxFiles - 1;
    rmSync(last === 0 ? this.path : rotatedPath(this.path, last), { force: true });
    for (let n = last - 1; n >= 1; n--) {
      try {
        renameSync(rotatedPath(this.path, n), rotatedPath(this.path, n + 1));
      } catch (error) {
        ignoreMissing(error);
      }
    }
    if (last >= 1) {
      try {
        renameSync(this.path, rotatedPath(this.path, 1));
      } catch (error) {
        ignoreMissing(error);
      }
    }
    this.#rotations++;
  }

  #account(bytes: number, spans: number): void {
    this.#fileBytes += bytes;
    this.#bytesWritten += bytes;
    this.#spansWritten += spans;
  }
}

const NEWLINE = 0x0a;
const closeAsync = promisify(close);

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

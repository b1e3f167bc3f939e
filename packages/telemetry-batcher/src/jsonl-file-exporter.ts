import {
  close,
  closeSync,
  fstat,
  fstatSync,
  fsync,
  fsyncSync,
  mkdirSync,
  open,
  openSync,
  read,
  readSync,
  renameSync,
  rmSync,
  write,
  writeSync,
} from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
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
   * disk flush per batch.
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

/**
 * Appends each batch to a JSONL file as one write: one complete JSON object per line, so a
 * reader only ever loses a torn last line after a crash. Rotates by size and keeps a bounded
 * number of files.
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
  // The file ended without a newline (a torn line from a crash): the next write starts with one,
  // so the torn line stays alone on its line instead of swallowing the first new span.
  #startsMidLine = false;
  #closed = false;
  // Writes are chained so concurrent exports never interleave or race a rotation.
  #tail: Promise<void> = Promise.resolve();
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

  export(spans: readonly Span[], options?: ExportOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new ExporterClosedError('JsonlFileExporter'));
    const { data, lines } = this.#serialize(spans);
    const signal = options?.signal;
    const run = this.#tail.then(() => {
      // Once the bytes are handed to the kernel there is nothing left to cancel.
      signal?.throwIfAborted();
      return this.#write(data, lines);
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Synchronous append, for a best-effort flush on process `exit`. */
  exportSync(spans: readonly Span[]): void {
    if (this.#closed) throw new ExporterClosedError('JsonlFileExporter');
    const serialized = this.#serialize(spans);
    let data = serialized.data;
    let fd = this.#fd;
    if (fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      fd = this.#openSync();
    }
    if (this.#needsRotation(data.length)) {
      this.#fd = undefined;
      closeSync(fd);
      this.#rotateSync();
      fd = this.#openSync();
    }
    data = this.#withLeadingNewline(data);
    let offset = 0;
    while (offset < data.length) {
      offset += writeSync(fd, data, offset, data.length - offset);
      this.#writes++;
    }
    if (this.#fsync) fsyncSync(fd);
    this.#account(data.length, serialized.lines);
  }

  /** Waits for the last write and closes the file. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
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

  async #write(serialized: Buffer, spanCount: number): Promise<void> {
    let data = serialized;
    let fd = this.#fd ?? (await this.#open());
    if (this.#needsRotation(data.length)) {
      this.#fd = undefined;
      await closeAsync(fd);
      await this.#rotate();
      fd = await this.#open();
    }
    data = this.#withLeadingNewline(data);
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await writeAsync(fd, data, offset, data.length - offset);
      offset += bytesWritten;
      this.#writes++;
    }
    if (this.#fsync) await fsyncAsync(fd);
    this.#account(data.length, spanCount);
  }

  async #open(): Promise<number> {
    await mkdir(dirname(this.path), { recursive: true });
    // 'a+' rather than 'a': the last byte is read back to detect a torn last line.
    const fd = await openAsync(this.path, 'a+');
    const { size } = await fstatAsync(fd);
    const last = Buffer.alloc(1);
    if (size > 0) await readAsync(fd, last, 0, 1, size - 1);
    return this.#adopt(fd, size, last);
  }

  #openSync(): number {
    const fd = openSync(this.path, 'a+');
    const { size } = fstatSync(fd);
    const last = Buffer.alloc(1);
    if (size > 0) readSync(fd, last, 0, 1, size - 1);
    return this.#adopt(fd, size, last);
  }

  #adopt(fd: number, size: number, last: Buffer): number {
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
  async #rotate(): Promise<void> {
    const last = this.#maxFiles - 1;
    await rm(last === 0 ? this.path : rotatedPath(this.path, last), { force: true });
    for (let n = last - 1; n >= 1; n--) {
      await rename(rotatedPath(this.path, n), rotatedPath(this.path, n + 1)).catch(ignoreMissing);
    }
    if (last >= 1) await rename(this.path, rotatedPath(this.path, 1)).catch(ignoreMissing);
    this.#rotations++;
  }

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
const openAsync = promisify(open);
const readAsync = promisify(read);
const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
const fstatAsync = promisify(fstat);
const closeAsync = promisify(close);

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

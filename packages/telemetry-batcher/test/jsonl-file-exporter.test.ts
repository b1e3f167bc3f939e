import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ExporterClosedError,
  JsonlFileExporter,
  type Span,
  summarize,
  TelemetryBatcher,
} from '../src/index.js';
import { makeSpan, seqOf } from './helpers/recording-exporter.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'x-telemetry-jsonl-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const signal = new AbortController().signal;

async function readLines(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('JsonlFileExporter', () => {
  it('appends one complete JSON line per span, creating the directory', async () => {
    const path = join(dir, 'nested', 'deeper', 'spans.jsonl');
    const exporter = new JsonlFileExporter({ path });

    await exporter.export([makeSpan(0), makeSpan(1)], { signal });
    await exporter.export([makeSpan(2)], { signal });
    await exporter.shutdown();

    expect(await readLines(path)).toEqual([makeSpan(0), makeSpan(1), makeSpan(2)]);
  });

  it('makes one write per batch: 1,000 spans through the batcher take 10 writes', async () => {
    const path = join(dir, 'spans.jsonl');
    const exporter = new JsonlFileExporter({ path });
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 100 });

    for (let n = 0; n < 1_000; n++) batcher.add(makeSpan(n));
    await batcher.shutdown();

    expect(exporter.stats()).toMatchObject({ writes: 10, spansWritten: 1_000 });
    expect((await readLines(path)).map((span) => seqOf(span as never))).toEqual(
      Array.from({ length: 1_000 }, (_, n) => n),
    );
  });

  it('rotates by size and keeps at most maxFiles files', async () => {
    const path = join(dir, 'spans.jsonl');
    const lineBytes = `${JSON.stringify(makeSpan(0))}\n`.length;
    const exporter = new JsonlFileExporter({ path, maxFileBytes: lineBytes * 2, maxFiles: 3 });

    for (let n = 0; n < 10; n++) await exporter.export([makeSpan(n)], { signal });
    await exporter.shutdown();

    expect(existsSync(`${path}.3`)).toBe(false);
    const seqs = async (file: string) => (await readLines(file)).map((s) => seqOf(s as never));
    expect(await seqs(`${path}.2`)).toEqual([4, 5]);
    expect(await seqs(`${path}.1`)).toEqual([6, 7]);
    expect(await seqs(path)).toEqual([8, 9]);
    expect(exporter.stats().rotations).toBe(4);
  });

  it('truncates in place when maxFiles is 1', async () => {
    const path = join(dir, 'spans.jsonl');
    const lineBytes = `${JSON.stringify(makeSpan(0))}\n`.length;
    const exporter = new JsonlFileExporter({ path, maxFileBytes: lineBytes, maxFiles: 1 });

    for (let n = 0; n < 3; n++) await exporter.export([makeSpan(n)], { signal });
    await exporter.shutdown();

    expect(existsSync(`${path}.1`)).toBe(false);
    expect(await readLines(path)).toEqual([makeSpan(2)]);
  });

  it('appends after what a previous process left in the file', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(path, `${JSON.stringify(makeSpan(0))}\n`);
    const exporter = new JsonlFileExporter({ path });

    await exporter.export([makeSpan(1)], { signal });
    await exporter.shutdown();

    expect(await readLines(path)).toEqual([makeSpan(0), makeSpan(1)]);
  });

  it('starts a new line after a torn last line left by a crash, so no new span is lost', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(path, `${JSON.stringify(makeSpan(0))}\n{"name":"tool-1","startTi`);
    const exporter = new JsonlFileExporter({ path });

    await exporter.export([makeSpan(2), makeSpan(3)], { signal });
    await exporter.shutdown();

    expect(await summarize(path)).toMatchObject({ spans: 3, skippedLines: 1 });
  });

  it('starts a new line after a torn last line on the synchronous path too', async () => {
    const path = join(dir, 'spans.jsonl');
    await writeFile(path, '{"name":"torn');
    const exporter = new JsonlFileExporter({ path });

    exporter.exportSync([makeSpan(1)]);
    await exporter.shutdown();

    expect(await summarize(path)).toMatchObject({ spans: 1, skippedLines: 1 });
  });

  it('leaves out a span JSON cannot encode and writes the rest of its batch', async () => {
    const path = join(dir, 'spans.jsonl');
    const exporter = new JsonlFileExporter({ path });
    const poison = { ...makeSpan(1), attributes: { big: 10n } } as unknown as Span;

    await exporter.export([makeSpan(0), poison, makeSpan(2)], { signal });
    exporter.exportSync([poison, makeSpan(3)]);
    await exporter.shutdown();

    expect((await readLines(path)).map((span) => seqOf(span as never))).toEqual([0, 2, 3]);
    expect(exporter.stats()).toMatchObject({ spansWritten: 3, unserializableSpans: 2 });
  });

  it('writes synchronously with exportSync, to the same file as the async writes', async () => {
    const path = join(dir, 'spans.jsonl');
    const exporter = new JsonlFileExporter({ path, fsync: true });

    await exporter.export([makeSpan(0)], { signal });
    exporter.exportSync([makeSpan(1)]);
    await exporter.shutdown();

    expect(await readLines(path)).toEqual([makeSpan(0), makeSpan(1)]);
  });

  it('rejects without writing when the signal is already aborted', async () => {
    const path = join(dir, 'spans.jsonl');
    const exporter = new JsonlFileExporter({ path });
    const controller = new AbortController();
    controller.abort(new Error('timed out'));

    await expect(exporter.export([makeSpan(0)], { signal: controller.signal })).rejects.toThrow(
      'timed out',
    );
    await exporter.shutdown();

    expect(existsSync(path)).toBe(false);
  });

  it('refuses to export after shutdown, and shutdown is idempotent', async () => {
    const exporter = new JsonlFileExporter({ path: join(dir, 'spans.jsonl') });
    await exporter.shutdown();
    await exporter.shutdown();

    await expect(exporter.export([makeSpan(0)], { signal })).rejects.toBeInstanceOf(
      ExporterClosedError,
    );
    expect(() => exporter.exportSync([makeSpan(0)])).toThrow(ExporterClosedError);
  });

  it('throws a TypeError for a missing path and a RangeError naming a bad size', () => {
    expect(() => new JsonlFileExporter({ path: '' })).toThrow(TypeError);
    expect(() => new JsonlFileExporter({ path: 'x.jsonl', maxFileBytes: 0 })).toThrow(
      /maxFileBytes/,
    );
    expect(() => new JsonlFileExporter({ path: 'x.jsonl', maxFiles: 0 })).toThrow(RangeError);
  });
});

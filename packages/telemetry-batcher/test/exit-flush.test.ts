import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlFileExporter, type Span, type SpanExporter, TelemetryBatcher } from '../src/index.js';
import { listSpanFiles } from '../src/rotated-files.js';
import { ManualClock } from './helpers/manual-clock.js';
import { makeSpan, seqOf } from './helpers/recording-exporter.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'x-telemetry-exit-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const signal = new AbortController().signal;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Every line of the file and its rotated siblings, oldest first, each parsed (throws on a bad line). */
async function readSeqs(path: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const file of await listSpanFiles(path)) {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (line !== '') seqs.push(seqOf(JSON.parse(line) as Span));
    }
  }
  return seqs;
}

describe('exit flush during an async export', () => {
  // 0..4 microtask turns: the in-flight batch is still in the batcher, handed to the exporter
  // but not written yet, or written; the exit flush must land after it in every case.
  it.each(range(0, 5))(
    'writes the in-flight batch before the queued spans (%i microtask turns in)',
    async (turns) => {
      const path = join(dir, 'spans.jsonl');
      const exporter = new JsonlFileExporter({ path });
      const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 100 });
      for (let n = 0; n < 100; n++) batcher.add(makeSpan(n));
      for (let i = 0; i < turns; i++) await Promise.resolve();
      for (let n = 100; n < 150; n++) batcher.add(makeSpan(n));
      expect(batcher.stats().inFlight).toBe(turns === 0 ? 0 : 1);

      batcher.flushSync(); // what the `exit` hook does
      await batcher.shutdown();

      expect(await readSeqs(path)).toEqual(range(0, 150));
      expect(batcher.stats()).toMatchObject({ exported: 150, dropped: 0, exportErrors: 0 });
      expect(exporter.stats().spansWritten).toBe(150);
    },
  );

  it('writes a batch the exporter holds before a sync batch that rotates the file', async () => {
    const path = join(dir, 'spans.jsonl');
    const lineBytes = `${JSON.stringify(makeSpan(0))}\n`.length;
    const exporter = new JsonlFileExporter({ path, maxFileBytes: lineBytes * 2, maxFiles: 5 });

    await exporter.export([makeSpan(0), makeSpan(1)], { signal });
    const inFlight = exporter.export([makeSpan(2), makeSpan(3)], { signal });
    exporter.exportSync([makeSpan(4), makeSpan(5)]);
    await inFlight;
    await exporter.shutdown();

    expect(await readSeqs(path)).toEqual(range(0, 6));
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    expect(exporter.stats()).toMatchObject({ spansWritten: 6, rotations: 2 });
  });

  it('keeps order and closes nothing early with fsync, many exports in flight and rotations', async () => {
    const path = join(dir, 'spans.jsonl');
    const lineBytes = `${JSON.stringify(makeSpan(0))}\n`.length;
    const exporter = new JsonlFileExporter({
      path,
      maxFileBytes: lineBytes,
      maxFiles: 20,
      fsync: true,
    });

    const exports = range(0, 6).map((n) => exporter.export([makeSpan(n)], { signal }));
    exporter.exportSync([makeSpan(6)]);
    exports.push(exporter.export([makeSpan(7)], { signal }));
    await Promise.all(exports);
    await exporter.shutdown();

    expect(await readSeqs(path)).toEqual(range(0, 8));
    expect(exporter.stats()).toMatchObject({ spansWritten: 8, rotations: 7 });
  });

  it('writes a batch waiting to retry before the queued spans, and only once', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    let failNext = true;
    const exporter: SpanExporter = {
      async export(spans) {
        if (failNext) {
          failNext = false;
          throw new Error('disk hiccup');
        }
        calls.push(`async ${spans.map(seqOf).join(',')}`);
      },
      exportSync(spans) {
        calls.push(`sync ${spans.map(seqOf).join(',')}`);
      },
    };
    const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 2, clock });
    batcher.add(makeSpan(0));
    batcher.add(makeSpan(1));
    await new Promise((resolve) => setImmediate(resolve)); // the first attempt fails, a retry waits
    expect(batcher.stats()).toMatchObject({ exportErrors: 1, inFlight: 1 });
    batcher.add(makeSpan(2));

    expect(batcher.flushSync()).toBe(3);
    clock.advance(60_000);
    await batcher.shutdown();

    expect(calls).toEqual(['sync 0,1', 'sync 2']);
    expect(batcher.stats()).toMatchObject({ exported: 3, retries: 0, dropped: 0, inFlight: 0 });
  });

  it('in a real process.exit() with a write in flight, every accepted span is in the file once, in order', async () => {
    const path = join(dir, 'spans.jsonl');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures/exit-child.ts'), path],
      { cwd: here, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const [code] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );

    expect(code).toBe(0);
    expect(existsSync(path)).toBe(true);
    expect(await readSeqs(path)).toEqual(range(0, 350));
  }, 30_000);
});

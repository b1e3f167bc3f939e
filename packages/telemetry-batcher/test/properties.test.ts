import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Span, type SpanExporter, TelemetryBatcher } from '../src/index.js';
import { SpanQueue } from '../src/span-queue.js';
import { makeSpan, seqOf } from './helpers/recording-exporter.js';

describe('properties', () => {
  it('SpanQueue behaves like an unbounded FIFO array while under capacity, across growth and wrap-around', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.oneof(
            fc.constant('push' as const),
            fc.constant('push' as const),
            fc.integer({ min: 1, max: 8 }),
          ),
          { maxLength: 300 },
        ),
        (capacity, initialSlots, ops) => {
          const queue = new SpanQueue(capacity, initialSlots);
          const model: number[] = [];
          let next = 0;
          for (const op of ops) {
            if (op === 'push') {
              if (queue.length === capacity) continue;
              queue.push(makeSpan(next), 10);
              model.push(next++);
            } else {
              expect(queue.take(op).map(seqOf)).toEqual(model.splice(0, op));
            }
            expect(queue.length).toBe(model.length);
            expect(queue.bytes).toBe(model.length * 10);
            expect(queue.allocated).toBeLessThanOrEqual(capacity);
          }
        },
      ),
    );
  });

  it('exports every accepted span exactly once, in order, within the concurrency limit, whatever the timing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 10 }),
        async (maxBatchSize, maxConcurrentExports, bursts, delays) => {
          const started: Span[][] = [];
          const exported: number[] = [];
          let call = 0;
          let running = 0;
          let mostRunning = 0;
          const exporter: SpanExporter = {
            async export(spans) {
              running++;
              mostRunning = Math.max(mostRunning, running);
              started.push([...spans]);
              // A varying number of microtask turns: exports finish out of order.
              for (let i = delays[call++ % delays.length]!; i > 0; i--) await Promise.resolve();
              for (const span of spans) exported.push(seqOf(span));
              running--;
            },
          };
          const batcher = new TelemetryBatcher({ exporter, maxBatchSize, maxConcurrentExports });
          let seq = 0;
          for (const burst of bursts) {
            for (let i = 0; i < burst; i++) batcher.add(makeSpan(seq++));
            await Promise.resolve();
          }
          await batcher.shutdown();

          const all = Array.from({ length: seq }, (_, n) => n);
          expect(started.flat().map(seqOf)).toEqual(all);
          expect([...exported].sort((a, b) => a - b)).toEqual(all);
          expect(started.every((batch) => batch.length <= maxBatchSize)).toBe(true);
          expect(mostRunning).toBeLessThanOrEqual(maxConcurrentExports);
          expect(batcher.stats()).toMatchObject({ exported: seq, dropped: 0 });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('SpanQueue memory', () => {
  it('allocates slots as spans queue up, not maxQueueSize of them up front', () => {
    const queue = new SpanQueue(100_000_000);
    expect(queue.allocated).toBe(1024);

    for (let n = 0; n < 3_000; n++) queue.push(makeSpan(n), 1);

    expect(queue.allocated).toBe(4096);
    expect(queue.take(3_000).map(seqOf)).toEqual(Array.from({ length: 3_000 }, (_, n) => n));
  });

  it('grows no further than its capacity', () => {
    const queue = new SpanQueue(1_500);
    for (let n = 0; n < 1_500; n++) queue.push(makeSpan(n), 1);
    expect(queue.allocated).toBe(1_500);
  });

  it('a batcher with maxQueueSize 1e8 does not reserve its queue up front', () => {
    const before = process.memoryUsage().arrayBuffers;
    const batcher = new TelemetryBatcher({
      exporter: { async export() {} },
      maxQueueSize: 100_000_000,
    });
    // 1e8 eight-byte slots would be 800 MB; a lazily grown ring holds a few KB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50_000_000);
    expect(batcher.add(makeSpan(0))).toBe(true);
    void batcher.shutdown();
  });
});

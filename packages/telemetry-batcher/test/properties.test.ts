import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Span, type SpanExporter, TelemetryBatcher } from '../src/index.js';
import { SpanQueue } from '../src/span-queue.js';
import { makeSpan, seqOf } from './helpers/recording-exporter.js';

describe('properties', () => {
  it('SpanQueue behaves like an unbounded FIFO array while under capacity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.oneof(fc.constant('push' as const), fc.integer({ min: 1, max: 8 })), {
          maxLength: 200,
        }),
        (capacity, ops) => {
          const queue = new SpanQueue(capacity);
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

import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type SpanExporter as OtelSpanExporter,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  JsonlFileExporter,
  type Span,
  type SpanExporter,
  TelemetryBatcher,
} from '@x/telemetry-batcher';
import pino from 'pino';
import SonicBoom from 'sonic-boom';
import { defineSuite } from '../types.js';

const OURS = '@x/telemetry-batcher';
const dir = mkdtempSync(join(tmpdir(), 'x-bench-telemetry-'));
let fileCounter = 0;
const nextFile = (prefix: string) => join(dir, `${prefix}-${fileCounter++}.jsonl`);

/** A tool-call span as the server records it. */
function toolSpan(n: number): Span {
  return {
    name: 'search_tools',
    startTimeMs: 1_700_000_000_000 + n,
    durationMs: 3.25,
    ok: true,
    attributes: { peer: 'github', cacheHit: false, seq: n },
  };
}

/** Counts and forgets: isolates the batcher's own cost from any destination. */
class CountingExporter implements SpanExporter {
  spans = 0;
  async export(spans: readonly Span[]): Promise<void> {
    this.spans += spans.length;
  }
}

/**
 * OpenTelemetry's in-memory exporter, answering synchronously. The stock InMemorySpanExporter
 * answers through setTimeout(0) (1 ms), so under this load BatchSpanProcessor drops almost every
 * span and its onEnd() measures the drop path; this one keeps the processor draining.
 */
class SyncInMemoryOtelExporter implements OtelSpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], resultCallback: (result: { code: number }) => void): void {
    this.spans += spans.length;
    resultCallback({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/** A benchmark that drops spans measures the wrong thing: fail loudly instead. */
function assertNoDrops(contender: string, added: number, exported: number): void {
  if (exported !== added) {
    throw new Error(
      `${contender} dropped ${added - exported} of ${added} spans; the figure would be the drop path`,
    );
  }
}

/** One finished OpenTelemetry span, reused like our one span object, so both sides only queue. */
function finishedOtelSpan(): ReadableSpan {
  const provider = new BasicTracerProvider();
  const span = provider.getTracer('bench').startSpan('search_tools', {
    attributes: { peer: 'github', cacheHit: false, seq: 1 },
  });
  span.end();
  return span as unknown as ReadableSpan;
}

/** Counts the write(2) calls each destination makes for `spans` spans. */
async function writesPer(spans: number): Promise<Record<string, number>> {
  const oursExporter = new JsonlFileExporter({ path: nextFile('writes-ours') });
  const batcher = new TelemetryBatcher({ exporter: oursExporter, maxBatchSize: 100 });
  for (let n = 0; n < spans; n++) batcher.add(toolSpan(n));
  await batcher.shutdown();

  const dest = new SonicBoom({ dest: nextFile('writes-pino'), minLength: 4096, sync: false });
  let pinoWrites = 0;
  dest.on('write', () => {
    pinoWrites++;
  });
  const logger = pino({ base: null, timestamp: false }, dest);
  for (let n = 0; n < spans; n++) logger.info(toolSpan(n));
  await new Promise<void>((resolve, reject) =>
    dest.flush((error) => (error ? reject(error) : resolve())),
  );
  dest.end();

  // One appendFileSync per span is one write per span by construction.
  return { [OURS]: oursExporter.stats().writes, pino: pinoWrites, appendFileSync: spans };
}

export default defineSuite({
  package: 'telemetry-batcher',
  description:
    'Recording tool-call spans: the cost of add() on the caller, and spans written to a JSONL file end to end. pino writes through sonic-boom (async, minLength 4096) with base and timestamp off. OpenTelemetry is BatchSpanProcessor (batches of 512, queue 2048, like ours here) with an in-memory exporter that answers synchronously; the stock InMemorySpanExporter, which answers after setTimeout(0), is shown too. Every contender is checked to have dropped no span.',
  workloads: ({ quick }) => {
    const perRun = quick ? 100 : 1_000;
    const span = toolSpan(1);
    const otelSpan = finishedOtelSpan();

    let ours: { batcher: TelemetryBatcher; exporter: CountingExporter; added: number };
    const oursSetup = () => {
      const exporter = new CountingExporter();
      const batcher = new TelemetryBatcher({ exporter, maxBatchSize: 512, maxQueueSize: 2048 });
      ours = { batcher, exporter, added: 0 };
    };
    const oursTeardown = async () => {
      await ours.batcher.shutdown();
      assertNoDrops(OURS, ours.added, ours.exporter.spans);
    };
    let otel: { processor: BatchSpanProcessor; exporter: SyncInMemoryOtelExporter; added: number };
    const otelSetup = () => {
      const exporter = new SyncInMemoryOtelExporter();
      const processor = new BatchSpanProcessor(exporter, {
        maxExportBatchSize: 512,
        maxQueueSize: 2048,
      });
      otel = { processor, exporter, added: 0 };
    };
    const otelTeardown = async () => {
      await otel.processor.shutdown();
      assertNoDrops('OTel', otel.added, otel.exporter.spans);
    };
    let stock: { processor: BatchSpanProcessor; exporter: InMemorySpanExporter };
    // A macrotask turn between runs, as between requests in a server: both processors drain.
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

    let fileBatcher: TelemetryBatcher;
    let pinoDest: SonicBoom;
    let pinoLogger: pino.Logger;
    let appendPath: string;

    return [
      {
        name: `add(): queue one span (${perRun} per run, batches of 512)`,
        ours: OURS,
        goal: 'at most 0.2 µs per span',
        contenders: [
          {
            name: OURS,
            opsPerRun: perRun,
            setup: oursSetup,
            run: async () => {
              for (let i = 0; i < perRun; i++) ours.batcher.add(span);
              ours.added += perRun;
              await turn();
            },
            teardown: oursTeardown,
          },
          {
            name: 'OTel BatchSpanProcessor',
            opsPerRun: perRun,
            setup: otelSetup,
            run: async () => {
              for (let i = 0; i < perRun; i++) otel.processor.onEnd(otelSpan);
              otel.added += perRun;
              await turn();
            },
            teardown: otelTeardown,
          },
        ],
      },
      {
        name: `add + flush: ${perRun} spans, then wait until exported (in memory)`,
        ours: OURS,
        contenders: [
          {
            name: OURS,
            opsPerRun: perRun,
            setup: oursSetup,
            run: async () => {
              for (let i = 0; i < perRun; i++) ours.batcher.add(span);
              ours.added += perRun;
              await ours.batcher.flush();
            },
            teardown: oursTeardown,
          },
          {
            name: 'OTel BatchSpanProcessor',
            opsPerRun: perRun,
            setup: otelSetup,
            run: async () => {
              for (let i = 0; i < perRun; i++) otel.processor.onEnd(otelSpan);
              otel.added += perRun;
              await otel.processor.forceFlush();
            },
            teardown: otelTeardown,
          },
          {
            name: 'OTel BSP + stock InMemorySpanExporter',
            opsPerRun: perRun,
            setup: () => {
              const exporter = new InMemorySpanExporter();
              stock = {
                exporter,
                processor: new BatchSpanProcessor(exporter, {
                  maxExportBatchSize: 512,
                  maxQueueSize: 2048,
                }),
              };
            },
            run: async () => {
              for (let i = 0; i < perRun; i++) stock.processor.onEnd(otelSpan);
              await stock.processor.forceFlush();
              stock.exporter.reset();
            },
            teardown: () => stock.processor.shutdown(),
          },
        ],
      },
      {
        name: `spans to a JSONL file, end to end (${perRun} spans, then wait until written)`,
        ours: OURS,
        goal: 'at least 2x pino',
        contenders: [
          {
            name: OURS,
            opsPerRun: perRun,
            setup: () => {
              fileBatcher = new TelemetryBatcher({
                exporter: new JsonlFileExporter({
                  path: nextFile('e2e-ours'),
                  maxFileBytes: 64 * 1024 * 1024,
                  maxFiles: 2,
                }),
                maxBatchSize: 100,
              });
            },
            run: async () => {
              for (let n = 0; n < perRun; n++) fileBatcher.add(toolSpan(n));
              await fileBatcher.flush();
            },
            teardown: () => fileBatcher.shutdown(),
          },
          {
            name: 'pino + sonic-boom',
            opsPerRun: perRun,
            setup: () => {
              pinoDest = new SonicBoom({
                dest: nextFile('e2e-pino'),
                minLength: 4096,
                sync: false,
              });
              pinoLogger = pino({ base: null, timestamp: false }, pinoDest);
            },
            run: async () => {
              for (let n = 0; n < perRun; n++) pinoLogger.info(toolSpan(n));
              await new Promise<void>((resolve, reject) =>
                pinoDest.flush((error) => (error ? reject(error) : resolve())),
              );
            },
            teardown: () => pinoDest.end(),
          },
          {
            name: 'appendFileSync per span',
            opsPerRun: perRun,
            setup: () => {
              appendPath = nextFile('e2e-append');
            },
            run: () => {
              for (let n = 0; n < perRun; n++) {
                appendFileSync(appendPath, `${JSON.stringify(toolSpan(n))}\n`);
              }
            },
            teardown: () => rmSync(appendPath, { force: true }),
          },
        ],
      },
      {
        kind: 'metric',
        name: 'write calls per 1,000 spans to a JSONL file',
        ours: OURS,
        unit: 'writes',
        better: 'lower',
        goal: 'at most 10',
        measure: () => writesPer(1_000),
      },
    ];
  },
  teardown: () => rmSync(dir, { recursive: true, force: true }),
});

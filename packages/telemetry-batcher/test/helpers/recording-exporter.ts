import type { ExportOptions, Span, SpanExporter } from '../../src/index.js';

interface PendingExport {
  spans: readonly Span[];
  signal: AbortSignal;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** An exporter a test steers by hand: every export waits until the test settles it. */
export class ManualExporter implements SpanExporter {
  readonly pending: PendingExport[] = [];
  readonly exported: Span[][] = [];
  shutdownCalls = 0;

  export(spans: readonly Span[], options: ExportOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({
        spans,
        signal: options.signal,
        resolve: () => {
          this.exported.push([...spans]);
          resolve();
        },
        reject,
      });
    });
  }

  /** Settles the oldest pending export successfully. */
  succeedNext(): void {
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no export is pending');
    next.resolve();
  }

  async shutdown(): Promise<void> {
    this.shutdownCalls++;
  }
}

/** An exporter that stores every batch at once. */
export class InstantExporter implements SpanExporter {
  readonly batches: Span[][] = [];
  readonly syncBatches: Span[][] = [];

  async export(spans: readonly Span[]): Promise<void> {
    this.batches.push([...spans]);
  }

  exportSync(spans: readonly Span[]): void {
    this.syncBatches.push([...spans]);
  }

  get spans(): Span[] {
    return this.batches.flat();
  }
}

export function makeSpan(n: number, overrides: Partial<Span> = {}): Span {
  return {
    name: `tool-${n % 3}`,
    startTimeMs: 1_700_000_000_000 + n,
    durationMs: n % 50,
    ok: true,
    ...overrides,
    attributes: { seq: n, ...overrides.attributes },
  };
}

export function seqOf(span: Span): number {
  return span.attributes?.seq as number;
}

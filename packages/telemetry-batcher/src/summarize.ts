import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { SpanFileNotFoundError } from './errors.js';
import { listSpanFiles } from './rotated-files.js';

/** Figures for one span name. Durations are in milliseconds. */
export interface SpanNameSummary {
  name: string;
  count: number;
  errors: number;
  /** errors ÷ count, 0…1. */
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SpanSummary {
  /** Files read, oldest first (rotated ones included). */
  files: string[];
  /** Spans counted. */
  spans: number;
  /** Lines that were not a span: a torn last line after a crash, or foreign text. */
  skippedLines: number;
  /** One row per span name, the most frequent first. */
  names: SpanNameSummary[];
}

interface Accumulator {
  durations: number[];
  errors: number;
}

/**
 * Reads a JSONL span file and its rotated siblings (`<file>.1`, `<file>.2`…) and summarises
 * them per span name: count, error rate, p50 / p95 / p99 / max duration. A span counts as an
 * error when `ok` is false or it has an `errorCode`.
 * @throws SpanFileNotFoundError when neither the file nor a rotated sibling exists.
 */
export async function summarize(file: string): Promise<SpanSummary> {
  if (typeof file !== 'string' || file === '') {
    throw new TypeError('file must be a non-empty string: the path of a JSONL span file');
  }
  const files = await listSpanFiles(file);
  if (files.length === 0) throw new SpanFileNotFoundError(file);
  const byName = new Map<string, Accumulator>();
  let spans = 0;
  let skippedLines = 0;
  for (const path of files) {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      const span = parseSpan(line);
      if (span === undefined) {
        skippedLines++;
        continue;
      }
      let acc = byName.get(span.name);
      if (acc === undefined) {
        acc = { durations: [], errors: 0 };
        byName.set(span.name, acc);
      }
      acc.durations.push(span.durationMs);
      if (span.failed) acc.errors++;
      spans++;
    }
  }
  const names = [...byName].map(([name, acc]) => summarizeName(name, acc));
  names.sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, spans, skippedLines, names };
}

function parseSpan(
  line: string,
): { name: string; durationMs: number; failed: boolean } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { name, durationMs, ok, errorCode } = value as Record<string, unknown>;
  if (typeof name !== 'string' || typeof durationMs !== 'number' || !Number.isFinite(durationMs)) {
    return undefined;
  }
  return {
    name,
    durationMs,
    failed: ok === false || (errorCode !== undefined && errorCode !== null),
  };
}

function summarizeName(name: string, acc: Accumulator): SpanNameSummary {
  const sorted = Float64Array.from(acc.durations).sort();
  const count = sorted.length;
  return {
    name,
    count,
    errors: acc.errors,
    errorRate: acc.errors / count,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[count - 1]!,
  };
}

// Nearest rank: the smallest duration with at least p of the spans at or below it.
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

import type { SpanSummary } from './summarize.js';

const HEADERS = ['name', 'count', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'] as const;

/** Renders a summary as the aligned text table `x-telemetry report` prints. */
export function formatSummary(summary: SpanSummary): string {
  const rows = summary.names.map((row) => [
    row.name,
    String(row.count),
    `${(row.errorRate * 100).toFixed(1)}%`,
    formatMs(row.p50Ms),
    formatMs(row.p95Ms),
    formatMs(row.p99Ms),
    formatMs(row.maxMs),
  ]);
  const widths = HEADERS.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => row[i]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(HEADERS), ...rows.map(line)];
  out.push('');
  out.push(
    `${summary.spans} spans in ${summary.files.length} file${summary.files.length === 1 ? '' : 's'}` +
      (summary.skippedLines > 0 ? `, ${summary.skippedLines} unreadable line(s) skipped` : ''),
  );
  return `${out.join('\n')}\n`;
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

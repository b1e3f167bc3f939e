import { writeFile } from 'node:fs/promises';
import { isTelemetryError } from './errors.js';
import { formatSummary } from './format-summary.js';
import { htmlReport } from './html-report.js';
import { summarize } from './summarize.js';

const USAGE = `usage: x-telemetry report FILE [--json | --html OUT]

  Summarise a JSONL span file written by JsonlFileExporter (rotated FILE.1, FILE.2… included):
  per span name, count, error rate and p50 / p95 / p99 / max duration in milliseconds.

  --json       print the summary as JSON instead of a table
  --html OUT   write the summary and per-name charts (spans per second, p95 duration over
               time) to OUT as one standalone HTML file (uPlot inlined: no other file, no
               request to any host)
`;

/** Runs `x-telemetry` with its arguments; returns the exit code so tests can call it without spawning. */
export async function runCli(
  args: readonly string[],
  out: (text: string) => void = (text) => process.stdout.write(text),
  err: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    out(USAGE);
    return 0;
  }
  const json = args.includes('--json');
  const htmlAt = args.indexOf('--html');
  const html = htmlAt === -1 ? undefined : args[htmlAt + 1];
  if (htmlAt !== -1 && (html === undefined || html.startsWith('-') || json)) {
    err(json ? `--json and --html: choose one\n\n${USAGE}` : `--html needs a file\n\n${USAGE}`);
    return 2;
  }
  const positional = args.filter(
    (arg, i) => arg !== '--json' && !(htmlAt !== -1 && (i === htmlAt || i === htmlAt + 1)),
  );
  const unknown = positional.find((arg) => arg.startsWith('-'));
  if (positional[0] !== 'report' || positional.length !== 2 || unknown !== undefined) {
    err(unknown !== undefined ? `unknown option ${unknown}\n\n${USAGE}` : USAGE);
    return 2;
  }
  try {
    if (html !== undefined) {
      await writeFile(html, await htmlReport(positional[1]!));
      out(`wrote ${html}\n`);
      return 0;
    }
    const summary = await summarize(positional[1]!);
    out(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return 0;
  } catch (error) {
    if (isTelemetryError(error)) {
      err(`x-telemetry: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

#!/usr/bin/env node
// Prints one plain closing line from the JSON report that `vitest run` writes (see
// vitest.config.ts), so CI logs end with 'N passed, N failed, N skipped'.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const file = join(import.meta.dirname, '..', 'node_modules', '.vitest', 'report.json');
if (!existsSync(file)) {
  console.error(`no vitest report at ${file}`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
);
if (report.numFailedTests > 0 || report.numPassedTests === 0) process.exit(1);

#!/usr/bin/env node
// `pnpm check:layers`: apps/server/src keeps its layers. Fails on an import cycle between
// folders (or a loose file and a folder), on a file other than the entry points importing the
// composition root (server.ts), and on a source file over 400 lines. Prints the layer graph.
// Usage: node scripts/check-layers.mjs [src-dir]   (default: apps/server/src)
import { join, resolve } from 'node:path';
import { checkLayers } from './lib/layers.mjs';

const srcDir = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'apps', 'server', 'src'));
const { problems, graph } = checkLayers(srcDir);
for (const [from, to] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`${from.padEnd(16)} -> ${[...to].sort().join(', ') || '(nothing)'}`);
}
if (problems.length) {
  console.error(`\ncheck:layers: ${problems.length} problem(s) in ${srcDir}:`);
  for (const problem of problems) console.error(`- ${problem}`);
  process.exit(1);
}
console.log(`\ncheck:layers: ok (${graph.size} layers, no cycle)`);

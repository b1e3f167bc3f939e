// The layer rules of apps/server/src, as data: which folders (and loose files) import which, and
// what breaks the rules. Used by scripts/check-layers.mjs and by the server's own test of it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The files only entry points may import, and the entry points themselves. */
export const COMPOSITION_ROOT = 'server.ts';
export const ENTRY_POINTS = ['cli.ts', 'index.ts'];
export const MAX_LINES = 400;

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The layer a file belongs to: its top folder under src, or the loose file itself. */
function unitOf(srcDir, file) {
  const rel = relative(srcDir, file);
  const [first, ...rest] = rel.split(sep);
  return rest.length ? `${first}/` : first;
}

/** Every relative import of `file`, resolved to a `.ts` path. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1];
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    found.push({ spec, target });
  }
  return found;
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const onStack = new Set();
  const indices = new Map();
  const low = new Map();
  const out = [];
  const visit = (node) => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), indices.get(next)));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) visit(node);
  return out;
}

/**
 * Checks the rules; returns the problems (empty when the layout holds) and the layer graph.
 * - no import cycle between layers (folders under src, or a loose file and a folder);
 * - only the entry points import the composition root;
 * - no source file over MAX_LINES lines.
 */
export function checkLayers(srcDir) {
  const problems = [];
  const graph = new Map();
  const witness = new Map();
  for (const file of sourceFiles(srcDir)) {
    const rel = relative(srcDir, file);
    const lines = readFileSync(file, 'utf8').split('\n').length;
    if (lines > MAX_LINES) {
      problems.push(`${rel} has ${lines} lines (at most ${MAX_LINES}): split it by concept`);
    }
    const from = unitOf(srcDir, file);
    if (!graph.has(from)) graph.set(from, new Set());
    for (const { spec, target } of importsOf(file)) {
      const targetRel = relative(srcDir, target);
      if (targetRel.startsWith('..')) continue;
      if (targetRel === COMPOSITION_ROOT && !ENTRY_POINTS.includes(rel)) {
        problems.push(
          `${rel} imports the composition root (${spec}); only ${ENTRY_POINTS.join(' and ')} may`,
        );
      }
      const to = unitOf(srcDir, target);
      if (to === from) continue;
      graph.get(from).add(to);
      const key = `${from} -> ${to}`;
      if (!witness.has(key)) witness.set(key, `${rel} imports ${spec}`);
    }
  }
  for (const component of cycles(graph)) {
    const members = new Set(component);
    const edges = [...witness]
      .filter(([key]) => {
        const [a, b] = key.split(' -> ');
        return members.has(a) && members.has(b);
      })
      .map(([key, why]) => `${key} (${why})`);
    problems.push(`import cycle between ${component.join(', ')}: ${edges.join('; ')}`);
  }
  return { problems, graph };
}

// Finds the README examples CI runs: fenced code blocks whose info string is `ts runnable` or
// `js runnable` (the first word is the language; the word `runnable` marks the block).
import { builtinModules } from 'node:module';

const LANGUAGES = new Set(['ts', 'js']);

/**
 * The runnable blocks of a Markdown document, in order, following CommonMark's fences: an
 * opening line of three or more backticks or tildes (indented at most three spaces), closed by a
 * line of the same character at least as long; the opening indentation is removed from the body.
 * A block marked `runnable` in a language other than ts or js, or never closed, is returned with
 * `problem` set, so the caller can fail it instead of skipping it silently.
 *
 * @returns {{ index: number, lang: string, code: string, line: number, problem?: string }[]}
 *   `index` counts runnable blocks from 1; `line` is the 1-based line of the first body line.
 */
export function extractRunnable(markdown) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  let open; // { fence, indent, lang, runnable, start, body }
  for (const [i, text] of lines.entries()) {
    if (!open) {
      const m = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(text);
      if (!m) continue;
      const [, indent, fence, info] = m;
      if (fence[0] === '`' && info.includes('`')) continue; // not a fence: inline code
      const words = info.trim().split(/\s+/).filter(Boolean);
      open = {
        fence,
        indent: indent.length,
        lang: words[0] ?? '',
        runnable: words.slice(1).includes('runnable'),
        start: i + 2,
        body: [],
      };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
    if (close && close[1][0] === open.fence[0] && close[1].length >= open.fence.length) {
      if (open.runnable) blocks.push(finish(open, blocks.length + 1));
      open = undefined;
      continue;
    }
    open.body.push(dedent(text, open.indent));
  }
  if (open?.runnable) {
    const block = finish(open, blocks.length + 1);
    block.problem = `the fence opened on line ${open.start - 1} is never closed`;
    blocks.push(block);
  }
  return blocks;
}

function finish(open, index) {
  const block = { index, lang: open.lang, code: `${open.body.join('\n')}\n`, line: open.start };
  if (!LANGUAGES.has(open.lang)) {
    block.problem = `marked runnable, but its language is '${open.lang}'; only ts and js blocks run`;
  }
  return block;
}

function dedent(text, indent) {
  let k = 0;
  while (k < indent && text[k] === ' ') k++;
  return text.slice(k);
}

const builtins = new Set(builtinModules);

/**
 * The npm package names an example imports: static `import … from`, side-effect `import '…'` and
 * `export … from` at the start of a line, `import('…')` and `require('…')` with a literal
 * specifier. Node built-ins and
 * relative or absolute paths are left out; `@scope/name/sub` gives `@scope/name`.
 */
export function importedPackages(code) {
  const specifiers = new Set();
  const patterns = [
    /^[ \t]*(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/gm,
    /^[ \t]*import\s*(['"])([^'"]+)\1/gm,
    /\b(?:import|require)\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) specifiers.add(m[2]);
  }
  const names = new Set();
  for (const s of specifiers) {
    if (s.startsWith('.') || s.startsWith('/') || s.startsWith('node:') || s.includes(':')) {
      continue;
    }
    const parts = s.split('/');
    const name = s.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    if (!builtins.has(name)) names.add(name);
  }
  return [...names].sort();
}

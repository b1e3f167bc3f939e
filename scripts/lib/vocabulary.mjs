// The shared vocabulary of CONTRIBUTING.md that a script can see in a package's built dist/:
// - every exported error class has a `code` of the form ERR_<PACKAGE>_<WHAT>, and the package
//   exports an `is<Something>Error` guard (packages/* only: apps/server has its own codes);
// - no option in the published types uses a retry name outside the shared retry vocabulary.
// Each check returns a list of problems, one plain sentence each; an empty list means it passed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root, run } from './packing.mjs';

/** Retry option names replaced by the shared ones (`maxAttempts`, `baseDelayMs`, `retryOn`, …). */
export const FORBIDDEN_RETRY_NAMES = [
  'retries',
  'retryDelayMs',
  'retryIf',
  'maxRetries',
  'retryBaseDelayMs',
  'jitterRatio',
  'maxRetryDelayMs',
];

const SHARED_RETRY_NAMES = 'maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, retryOn';

/** The package's word in its error names: `breaker`, `telemetry` (for telemetry-batcher), … */
const packageWord = (short) => short.replace(/-batcher$/, '');

/** `ERR_BREAKER_`, `ERR_TELEMETRY_` (for telemetry-batcher), … */
export function errorCodePrefix(short) {
  return `ERR_${packageWord(short).toUpperCase().replaceAll('-', '_')}_`;
}

// Runs in a child process inside the package directory, so `import(name)` is the package's own
// built entry (self-reference through its `exports`), and nothing it loads stays in this process.
const inspector = `
const m = await import(process.argv[1]);
const isErrorClass = (v) => typeof v === 'function' && v.prototype instanceof Error;
const describe = (v) => (v instanceof Error ? v.constructor.name + ': ' + v.message : String(v));
const errors = [];
for (const [name, value] of Object.entries(m)) {
  if (!isErrorClass(value)) continue;
  const entry = { name, parent: Object.getPrototypeOf(value)?.name ?? '' };
  if (typeof value.code === 'string') [entry.code, entry.via] = [value.code, 'static code'];
  else if (typeof value.prototype.code === 'string')
    [entry.code, entry.via] = [value.prototype.code, 'prototype.code'];
  else {
    try {
      const instance = new value();
      entry.via = 'new ' + name + '()';
      if (typeof instance.code === 'string') entry.code = instance.code;
      else entry.found = instance.code === undefined ? 'no code' : typeof instance.code;
    } catch (error) {
      entry.threw = describe(error);
    }
  }
  errors.push(entry);
}
const guards = [];
for (const [name, value] of Object.entries(m)) {
  if (!/^is[A-Z][A-Za-z]*Error$/.test(name) || typeof value !== 'function') continue;
  let plain;
  try { plain = value(new Error('plain')); } catch (error) { plain = 'threw ' + describe(error); }
  guards.push({ name, plain: String(plain) });
}
console.log(JSON.stringify({ errors, guards }));
`;

/** Problems with the error classes and guard that `p` (a packages/* package) exports. */
export function errorConventionProblems(p) {
  const prefix = errorCodePrefix(p.short);
  const codePattern = new RegExp(`^${prefix}[A-Z0-9]+(_[A-Z0-9]+)*$`);
  const { errors, guards } = JSON.parse(
    run(process.execPath, ['--input-type=module', '-e', inspector, p.pkg.name], p.dir).trim(),
  );
  const problems = [];
  const exported = new Set(errors.map((e) => e.name));
  // The base class (the one the others extend) carries a union of codes, so it may have none.
  const bases = new Set(errors.map((e) => e.parent).filter((parent) => exported.has(parent)));
  for (const e of errors) {
    if (e.code === undefined) {
      if (bases.has(e.name)) continue;
      const why = e.threw
        ? `new ${e.name}() threw ${e.threw}`
        : `${e.via} has ${e.found ?? 'no code'}`;
      problems.push(
        `${e.name}: no code found (no static \`code\`, no \`prototype.code\`, and ${why}); give it a static code ${prefix}<WHAT>`,
      );
    } else if (!codePattern.test(e.code)) {
      problems.push(`${e.name}: code '${e.code}' (${e.via}) is not of the form ${prefix}<WHAT>`);
    }
  }
  const base = `${pascal(packageWord(p.short))}Error`;
  if (!exported.has(base)) {
    problems.push(`exports no base error class ${base} (CONTRIBUTING.md: one base error class)`);
  }
  if (guards.length === 0) {
    problems.push(
      `exports no is<Something>Error guard (e.g. is${base}(error, code?)) that checks the code`,
    );
  }
  for (const g of guards) {
    if (g.plain !== 'false')
      problems.push(`${g.name}(new Error('plain')) gave ${g.plain}, not false`);
  }
  return problems;
}

function pascal(name) {
  return name.replace(/(^|-)([a-z])/g, (_, _dash, c) => c.toUpperCase());
}

function declarationFiles(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...declarationFiles(path));
    else if (/\.d\.[cm]?ts$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}

/** Blanks out comments (keeping line breaks), so JSDoc that names an old option is not a hit. */
function withoutComments(source) {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (comment) =>
    comment.replace(/[^\n]/g, ' '),
  );
}

/**
 * Each option in the built .d.ts files that uses a retry name outside the vocabulary. An option is
 * an optional member or parameter (`retries?: number`) or an optional zod schema field
 * (`retries: z.ZodOptional<…>`); a required member such as a stats counter (`retries: number`)
 * is a figure the package reports, not an option, and is not flagged.
 */
export function retryNameProblems(p) {
  const names = FORBIDDEN_RETRY_NAMES.join('|');
  const pattern = new RegExp(
    `(?<![\\w$.'"])(${names})(\\?\\s*:|\\s*:\\s*z\\.Zod(Optional|Default)\\b)`,
    'g',
  );
  const problems = [];
  for (const file of declarationFiles(join(p.dir, 'dist'))) {
    const lines = withoutComments(readFileSync(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      for (const match of line.matchAll(pattern)) {
        problems.push(
          `${relative(root, file)}:${i + 1}: retry option '${match[1]}' is not one of the shared names (${SHARED_RETRY_NAMES})`,
        );
      }
    });
  }
  return problems;
}

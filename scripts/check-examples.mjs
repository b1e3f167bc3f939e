#!/usr/bin/env node
// Runs the README examples marked ` ```ts runnable ` or ` ```js runnable ` (packages/*/README.md,
// apps/*/README.md and the root README.md) the way a user would: against the packed tarballs,
// installed into one scratch npm project outside the repo with tsx, typescript and @types/node at
// the root package.json's versions, plus whatever an example imports that its package declares as
// a dependency (keyv, @keyv/redis, …). Each example is its own `<package>-<n>.mts` / `.mjs`, so it
// is ESM whatever the scratch package.json says; the `.mts` files are typechecked with
// `tsc --strict --module nodenext`, then each example runs with `node --import tsx` (cwd = the
// scratch project, environment passed through, so REDIS_URL reaches them) under a 60 s timeout.
// Exits 1 when an example failed, or when no runnable example was found at all.
// Usage: node scripts/check-examples.mjs [--keep] [package-dir-name|root ...]
//   with names, only those READMEs, and only the @x tarballs their examples import;
//   --keep leaves the scratch project in place to look into
//        node scripts/check-examples.mjs --self-test   (the block extractor on inline fixtures)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  createPacker,
  npmInstall,
  pinned,
  publishable,
  root,
  run,
  scratchProject,
} from './lib/packing.mjs';
import { extractRunnable, importedPackages } from './lib/readme-examples.mjs';
import { selfTest } from './lib/readme-examples.selftest.mjs';

const TIMEOUT_MS = 60_000;
const OUTPUT_LINES = 40;

const args = process.argv.slice(2);
if (args.includes('--self-test')) {
  selfTest();
  console.log('ok  check-examples --self-test: block extraction and import detection');
  process.exit(0);
}
const keep = args.includes('--keep');
const only = args.filter((a) => !a.startsWith('--'));

/** Every README that may hold examples, with the manifest its examples may take packages from. */
function readmes() {
  const list = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const short of readdirSync(base).sort()) {
      const readme = join(base, short, 'README.md');
      const manifest = join(base, short, 'package.json');
      if (!existsSync(readme) || !existsSync(manifest)) continue;
      list.push({ short, readme, manifests: [JSON.parse(readFileSync(manifest, 'utf8'))] });
    }
  }
  // The root README may show any package: its imports may come from any package's dependencies.
  const all = list.map((r) => r.manifests[0]);
  list.push({ short: 'root', readme: join(root, 'README.md'), manifests: all });
  return list;
}

/** The version spec a README's package declares for `name` (dependencies first), if any. */
function declaredSpec(name, manifests) {
  const fields = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'];
  for (const field of fields) {
    for (const m of manifests) {
      const spec = m[field]?.[name];
      if (spec && !/^(workspace|link|file):/.test(spec)) return spec;
    }
  }
  return undefined;
}

const sources = readmes();
const unknown = only.filter((name) => !sources.some((s) => s.short === name));
if (unknown.length > 0) {
  console.error(
    `unknown package(s): ${unknown.join(', ')}; known: ${sources.map((s) => s.short).join(', ')}`,
  );
  process.exit(2);
}
const packages = publishable();
const ours = new Set(packages.map((p) => p.pkg.name));

/** @type {{ id: string, readme: string, line: number, lang: string, code: string, file: string, problems: string[], output?: string, ms?: number }[]} */
const examples = [];
const extra = new Map(); // package name -> version spec
for (const source of sources.filter((s) => only.length === 0 || only.includes(s.short))) {
  const rel = relative(root, source.readme);
  for (const block of extractRunnable(readFileSync(source.readme, 'utf8'))) {
    const example = {
      id: `${rel}#${block.index}`,
      readme: rel,
      line: block.line,
      lang: block.lang,
      code: block.code,
      file: `${source.short}-${block.index}.${block.lang === 'ts' ? 'mts' : 'mjs'}`,
      problems: block.problem ? [block.problem] : [],
    };
    for (const name of importedPackages(block.code)) {
      if (ours.has(name)) continue;
      const spec = declaredSpec(name, source.manifests);
      if (spec === undefined) {
        example.problems.push(
          `imports '${name}', which ${source.short === 'root' ? 'no package' : source.manifests[0].name} declares as a dependency; declare it or drop the import`,
        );
      } else if (!extra.has(name)) {
        extra.set(name, spec);
      }
    }
    examples.push(example);
  }
}
const searched = only.length === 0 ? 'any README' : only.join(', ');
if (examples.length === 0) {
  console.error(
    `no runnable example found in ${searched}: mark a self-contained block with \`\`\`ts runnable or \`\`\`js runnable`,
  );
  process.exit(1);
}

function indent(text) {
  const lines = text.trimEnd().split('\n');
  const shown = lines.length > OUTPUT_LINES ? lines.slice(-OUTPUT_LINES) : lines;
  const cut =
    lines.length > OUTPUT_LINES ? [`    … (${lines.length - OUTPUT_LINES} lines before)`] : [];
  return [...cut, ...shown.map((l) => `    ${l}`)].join('\n');
}

/** Maps tsc's `cache-1.mts(3,7): error …` lines onto the examples, as README line numbers. */
function attachTypeErrors(output, byFile) {
  let current;
  for (const line of output.split('\n')) {
    const m = /^([\w.-]+\.mts)\((\d+),(\d+)\): (.*)$/.exec(line);
    if (m) {
      current = byFile.get(m[1]);
      if (current) {
        const readmeLine = current.line + Number(m[2]) - 1;
        current.typeErrors.push(`${current.readme}:${readmeLine}:${m[3]}: ${m[4]}`);
        continue;
      }
    }
    if (current && /^\s/.test(line) && line.trim()) current.typeErrors.push(line);
    else if (!m) current = undefined;
  }
}

/** Runs one example; resolves with its exit code (or the timeout), output and duration. */
function runExample(dir, file) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: dir,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout also ends what it started
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(child.pid); // anything it left running
      resolve({ code, signal, timedOut, output, ms: Math.round(performance.now() - started) });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut, output: String(error), ms: 0 });
    });
  });
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function exitReason({ code, signal, timedOut }) {
  if (timedOut) return `still running after ${TIMEOUT_MS / 1000} s (killed)`;
  if (signal) return `killed by ${signal}`;
  if (code === 13) {
    return 'exit code 13: a top-level await never settled (nothing kept the process alive while it waited)';
  }
  return `exit code ${code}`;
}

const work = mkdtempSync(join(tmpdir(), 'x-examples-pack-'));
const scratch = scratchProject('x-examples-');
const cleanUp = () => {
  rmSync(work, { recursive: true, force: true });
  if (!keep) rmSync(scratch, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

let failed = 0;
try {
  // Every @x package (only those the chosen READMEs' examples import, with their @x
  // dependencies, when packages are named); one that cannot be packed fails only the examples
  // that import it.
  const { tarballsFor } = createPacker(packages, work);
  const wanted = new Set(examples.flatMap((e) => importedPackages(e.code)));
  const tarballs = new Set();
  const unpacked = new Map();
  for (const p of packages.filter((x) => only.length === 0 || wanted.has(x.pkg.name))) {
    try {
      for (const tarball of tarballsFor(p)) tarballs.add(tarball);
    } catch (error) {
      unpacked.set(p.pkg.name, error.message);
    }
  }
  for (const [name, why] of unpacked)
    console.error(`warning: could not pack ${name}:\n${indent(why)}`);
  for (const example of examples) {
    for (const name of importedPackages(example.code)) {
      if (unpacked.has(name)) example.problems.push(`imports ${name}, which could not be packed`);
    }
  }

  const specs = [...extra].map(([name, spec]) => `${name}@${spec}`);
  console.log(
    `${examples.length} runnable example(s) from ${new Set(examples.map((e) => e.readme)).size} README(s); installing ${tarballs.size} tarball(s), ${[pinned('tsx'), pinned('typescript'), pinned('@types/node'), ...specs].join(', ')} into ${scratch}`,
  );
  npmInstall(scratch, [
    ...tarballs,
    pinned('tsx'),
    pinned('typescript'),
    pinned('@types/node'),
    ...specs,
  ]);

  const byFile = new Map();
  for (const example of examples) {
    writeFileSync(join(scratch, example.file), example.code);
    example.typeErrors = [];
    byFile.set(example.file, example);
  }
  const typed = examples.filter((e) => e.lang === 'ts' && e.problems.length === 0);
  if (typed.length > 0) {
    try {
      run(
        join(scratch, 'node_modules', '.bin', 'tsc'),
        [
          '--noEmit',
          '--strict',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--target',
          'es2022',
          '--skipLibCheck',
          '--types',
          'node',
          ...typed.map((e) => e.file),
        ],
        scratch,
      );
    } catch (error) {
      attachTypeErrors(error.message, byFile);
      if (typed.every((e) => e.typeErrors.length === 0)) {
        for (const e of typed) e.problems.push(`tsc failed:\n${error.message}`);
      }
    }
  }

  for (const example of examples) {
    if (example.typeErrors.length > 0) {
      example.problems.push(`tsc --strict:\n${example.typeErrors.join('\n')}`);
    }
    // A type error is reported, and the example still runs: what it does at run time helps too.
    const blocked = example.problems.length > 0 && example.typeErrors.length === 0;
    let result;
    if (!blocked) {
      result = await runExample(scratch, example.file);
      if (result.timedOut || result.code !== 0) {
        example.problems.push(
          `${exitReason(result)}${result.output.trim() ? `:\n${result.output}` : ''}`,
        );
      }
    }
    const where = `line ${example.line}, ${example.file}${result ? `, ${result.ms} ms` : ''}`;
    if (example.problems.length === 0) {
      console.log(`ok  ${example.id} (${result.ms} ms)`);
    } else {
      failed++;
      console.log(`FAIL ${example.id} (${where})`);
      for (const problem of example.problems) console.log(indent(problem));
    }
  }
} catch (error) {
  failed = examples.length;
  console.error(`could not set up the examples' project: ${error.message}`);
} finally {
  cleanUp();
  if (keep) console.log(`kept the scratch project: ${scratch}`);
}

if (failed > 0) {
  console.error(`${failed} of ${examples.length} README example(s) failed`);
  process.exit(1);
}
console.log(`${examples.length} README example(s) ran`);

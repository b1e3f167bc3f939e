#!/usr/bin/env node
// À-la-carte proof for every publishable package (packages/* and apps/* that are not private):
// its packed tarball passes `publint --strict` and `attw --profile esm-only`, then installs alone
// into an empty scratch project outside the repo, where `import`, `require()` (Node >= 20.19
// require(esm)) and `tsc --noEmit` on a file importing every runtime export all work, and each
// declared bin answers `--help`. Then the shared vocabulary of CONTRIBUTING.md, on the built
// dist/: error codes ERR_<PACKAGE>_<WHAT> and an is…Error guard (packages/* only), and no retry
// option outside the shared retry names.
// Usage: node scripts/check-packages.mjs [--vocabulary] [package-dir-name...]
//   --vocabulary  only the vocabulary checks (fast: no packing, no install)
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bin,
  createPacker,
  npmInstall,
  pinned,
  publishable,
  root,
  run,
  scratchProject,
} from './lib/packing.mjs';
import { errorConventionProblems, retryNameProblems } from './lib/vocabulary.mjs';

const args = process.argv.slice(2);
const vocabularyOnly = args.includes('--vocabulary');
const only = args.filter((a) => a !== '--vocabulary');

const all = publishable();
const unknown = only.filter((name) => !all.some((p) => p.short === name));
if (unknown.length > 0) {
  console.error(
    `unknown package(s): ${unknown.join(', ')}; known: ${all.map((p) => p.short).join(', ')}`,
  );
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'x-pack-'));
const { pack, tarballsFor } = createPacker(all, work);

function checkOne(p) {
  const tarball = pack(p);
  run(bin('publint'), ['run', tarball, '--strict'], root);
  run(bin('attw'), [tarball, '--profile', 'esm-only', '--no-emoji'], root);

  const scratch = scratchProject(`x-scratch-${p.short}-`, { type: 'module' });
  try {
    npmInstall(scratch, [...tarballsFor(p), pinned('@types/node'), pinned('typescript')]);
    const name = p.pkg.name;
    const esmKeys = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import('${name}'); console.log(JSON.stringify(Object.keys(m).sort()))`,
      ],
      scratch,
    ).trim();
    const keys = JSON.parse(esmKeys);
    if (keys.length === 0) throw new Error(`${name}: import() returned no exports`);
    const cjsKeys = run(
      process.execPath,
      [
        '--input-type=commonjs',
        '--no-warnings',
        '-e',
        `const m = require('${name}'); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== '__esModule' && k !== 'module.exports').sort()))`,
      ],
      scratch,
    ).trim();
    if (cjsKeys !== esmKeys)
      throw new Error(`${name}: require() gave ${cjsKeys}, import gave ${esmKeys}`);

    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['check.ts'],
      }),
    );
    writeFileSync(
      join(scratch, 'check.ts'),
      `import { ${keys.join(', ')} } from '${name}';\nconsole.log([${keys.join(', ')}].length);\n`,
    );
    run(join(scratch, 'node_modules', '.bin', 'tsc'), ['-p', scratch], scratch);

    const bins = typeof p.pkg.bin === 'string' ? { [name]: p.pkg.bin } : (p.pkg.bin ?? {});
    for (const command of Object.keys(bins)) {
      run(join(scratch, 'node_modules', '.bin', command), ['--help'], scratch);
    }
    return `${keys.length} exports; import, require, tsc${Object.keys(bins).length ? `, ${Object.keys(bins).join(', ')} --help` : ''} ok`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The vocabulary problems of one package, each one line; thrown errors become a problem too. */
function vocabularyProblems(p) {
  const problems = [];
  const attempt = (label, check) => {
    try {
      problems.push(...check(p).map((problem) => `${label}: ${problem}`));
    } catch (error) {
      problems.push(`${label}: could not check: ${error.message}`);
    }
  };
  if (p.group === 'packages') attempt('error convention', errorConventionProblems);
  attempt('retry vocabulary', retryNameProblems);
  return problems;
}

let failed = 0;
for (const p of all.filter((x) => only.length === 0 || only.includes(x.short))) {
  if (!existsSync(join(p.dir, 'dist'))) {
    console.error(`✗ ${p.pkg.name}: no dist/ — run the build first`);
    failed++;
    continue;
  }
  let ok = true;
  if (!vocabularyOnly) {
    try {
      console.log(`✓ ${p.pkg.name}: publint --strict, attw esm-only, ${checkOne(p)}`);
    } catch (error) {
      ok = false;
      console.error(`✗ ${p.pkg.name}: ${error.message}`);
    }
  }
  const problems = vocabularyProblems(p);
  if (problems.length === 0) {
    console.log(`✓ ${p.pkg.name}: shared vocabulary (error codes and guard, retry option names)`);
  } else {
    ok = false;
    console.error(`✗ ${p.pkg.name}: ${problems.length} vocabulary problem(s):`);
    for (const problem of problems) console.error(`    ${problem}`);
  }
  if (!ok) failed++;
}
rmSync(work, { recursive: true, force: true });
if (failed > 0) {
  console.error(`${failed} package(s) failed the package checks`);
  process.exit(1);
}

#!/usr/bin/env node
// À-la-carte proof for every publishable package (packages/* and apps/* that are not private):
// its packed tarball passes `publint --strict` and `attw --profile esm-only`, then installs alone
// into an empty scratch project outside the repo, where `import`, `require()` (Node >= 20.19
// require(esm)) and `tsc --noEmit` on a file importing every runtime export all work, and each
// declared bin answers `--help`.
// Usage: node scripts/check-packages.mjs [package-dir-name...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const only = process.argv.slice(2);
// The pnpm the repo pins (`packageManager`), so packing uses the same version as installing.
const pnpmSpec = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;

function run(cmd, args, cwd, env = {}) {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_loglevel: 'error', ...env },
    });
  } catch (error) {
    const out = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${out}`);
  }
}

function publishable() {
  const dirs = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const manifest = join(base, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (pkg.private) continue;
      dirs.push({ dir: join(base, name), short: name, pkg });
    }
  }
  return dirs;
}

const all = publishable();
const byName = new Map(all.map((p) => [p.pkg.name, p]));
const work = mkdtempSync(join(tmpdir(), 'x-pack-'));
const tarballs = new Map();

function pack(p) {
  if (!tarballs.has(p.pkg.name)) {
    const out = run('npx', ['-y', pnpmSpec, 'pack', '--pack-destination', work], p.dir);
    const file = out.trim().split('\n').pop().trim();
    tarballs.set(p.pkg.name, resolve(p.dir, file));
  }
  return tarballs.get(p.pkg.name);
}

/** The package's own tarball plus those of the @x packages it depends on (not on npm yet). */
function tarballsFor(p, seen = new Set()) {
  if (seen.has(p.pkg.name)) return [];
  seen.add(p.pkg.name);
  const list = [pack(p)];
  for (const dep of Object.keys(p.pkg.dependencies ?? {})) {
    const inner = byName.get(dep);
    if (inner) list.push(...tarballsFor(inner, seen));
  }
  return list;
}

function checkOne(p) {
  const tarball = pack(p);
  run(bin('publint'), ['run', tarball, '--strict'], root);
  run(bin('attw'), [tarball, '--profile', 'esm-only', '--no-emoji'], root);

  const scratch = mkdtempSync(join(tmpdir(), `x-scratch-${p.short}-`));
  try {
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        ...tarballsFor(p),
        '@types/node@20',
        'typescript@5.9.3',
      ],
      scratch,
    );
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

let failed = 0;
for (const p of all.filter((x) => only.length === 0 || only.includes(x.short))) {
  if (!existsSync(join(p.dir, 'dist'))) {
    console.error(`✗ ${p.pkg.name}: no dist/ — run the build first`);
    failed++;
    continue;
  }
  try {
    console.log(`✓ ${p.pkg.name}: publint --strict, attw esm-only, ${checkOne(p)}`);
  } catch (error) {
    failed++;
    console.error(`✗ ${p.pkg.name}: ${error.message}`);
  }
}
rmSync(work, { recursive: true, force: true });
if (failed > 0) {
  console.error(`${failed} package(s) failed the package checks`);
  process.exit(1);
}

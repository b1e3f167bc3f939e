// What scripts/check-packages.mjs and scripts/check-examples.mjs share: the repo's publishable
// packages, packing them with the pinned pnpm, and scratch npm projects outside the repo.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** The pnpm the repo pins (`packageManager`), so packing uses the same version as installing. */
export const pnpmSpec = rootManifest.packageManager;

/** A binary from the root node_modules/.bin. */
export const bin = (name) => join(root, 'node_modules', '.bin', name);

/** `name@version` with the version the root package.json pins for it (tsx, typescript, …). */
export function pinned(name) {
  const version = rootManifest.devDependencies?.[name];
  if (!version) throw new Error(`the root package.json pins no version of ${name}`);
  return `${name}@${version}`;
}

/** Runs a command to completion; on failure throws with the command, directory and its output. */
export function run(cmd, args, cwd, env = {}) {
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

/**
 * Every publishable package: packages/* and apps/* whose package.json is not private.
 * `short` is the directory name (`cache`, `telemetry-batcher`, `server`), `group` its parent.
 */
export function publishable() {
  const dirs = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const manifest = join(base, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (pkg.private) continue;
      dirs.push({ dir: join(base, name), short: name, group, pkg });
    }
  }
  return dirs;
}

/**
 * Packs packages into `dest` (once each). `tarballsFor(p)` is p's tarball plus those of the @x
 * packages it depends on, which are not on npm yet.
 */
export function createPacker(all, dest) {
  const byName = new Map(all.map((p) => [p.pkg.name, p]));
  const tarballs = new Map();

  function pack(p) {
    if (!tarballs.has(p.pkg.name)) {
      if (!existsSync(join(p.dir, 'dist'))) {
        throw new Error(`${p.pkg.name}: no dist/ — run the build first`);
      }
      const out = run('npx', ['-y', pnpmSpec, 'pack', '--pack-destination', dest], p.dir);
      const file = out.trim().split('\n').pop().trim();
      tarballs.set(p.pkg.name, resolve(p.dir, file));
    }
    return tarballs.get(p.pkg.name);
  }

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

  return { pack, tarballsFor };
}

/** An empty npm project in the OS temp directory (never inside the repo). */
export function scratchProject(prefix, manifest = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, ...manifest }),
  );
  return dir;
}

/** `npm install` into a scratch project, quietly. */
export function npmInstall(dir, specs) {
  return run('npm', ['install', '--no-audit', '--no-fund', ...specs], dir);
}

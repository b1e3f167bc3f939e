#!/usr/bin/env node
// Proves the release flow without publishing: copies the tracked files to a scratch directory,
// adds a changeset bumping every publishable package, runs `changeset version` there, and checks
// that every version moved and every CHANGELOG.md carries the changeset's sentence.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'x-release-'));
const sentence = 'Release-flow check: this entry proves changesets writes the changelog.';

try {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(root, f))) continue;
    mkdirSync(dirname(join(scratch, f)), { recursive: true });
    cpSync(join(root, f), join(scratch, f));
  }

  const manifests = files.filter((f) => /^(packages|apps)\/[^/]+\/package\.json$/.test(f));
  const before = new Map();
  for (const m of manifests) {
    const pkg = JSON.parse(readFileSync(join(scratch, m), 'utf8'));
    if (!pkg.private) before.set(m, pkg);
  }
  if (before.size === 0) throw new Error('no publishable package found');
  const front = [...before.values()].map((p) => `"${p.name}": patch`).join('\n');
  writeFileSync(
    join(scratch, '.changeset', 'release-flow-check.md'),
    `---\n${front}\n---\n\n${sentence}\n`,
  );

  execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['version'], {
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });

  let failures = 0;
  for (const [m, pkg] of before) {
    const after = JSON.parse(readFileSync(join(scratch, m), 'utf8'));
    const changelog = join(scratch, dirname(m), 'CHANGELOG.md');
    const text = existsSync(changelog) ? readFileSync(changelog, 'utf8') : '';
    const ok =
      after.version !== pkg.version &&
      text.includes(sentence) &&
      text.includes(`## ${after.version}`);
    console.log(
      `${ok ? '✓' : '✗'} ${pkg.name}: ${pkg.version} → ${after.version}, CHANGELOG.md ${text ? 'written' : 'missing'}`,
    );
    if (!ok) failures++;
  }
  if (failures > 0) process.exit(1);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

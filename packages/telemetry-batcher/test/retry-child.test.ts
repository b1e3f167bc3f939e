import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'x-telemetry-retry-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runChild(mode: 'await' | 'sigterm', path: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures/retry-child.ts'), mode, path],
    { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    // 'close', not 'exit': 'exit' can come before the last stdout chunk is read.
    child.on('close', (c, s) => resolve([c, s])),
  );
  const lines = existsSync(path) ? (await readFile(path, 'utf8')).split('\n').filter(Boolean) : [];
  return { code, signal, stdout, lines };
}

it('stays alive through a retry while the script awaits shutdown(), then exits normally', async () => {
  const result = await runChild('await', join(dir, 'spans.jsonl'));

  expect(result).toMatchObject({ code: 0, signal: null, stdout: 'done 1\n' });
  expect(result.lines).toHaveLength(1);
}, 30_000);

it('stays alive through a retry after SIGTERM, writes the span, then dies of SIGTERM', async () => {
  const result = await runChild('sigterm', join(dir, 'spans.jsonl'));

  expect(result).toMatchObject({ code: null, signal: 'SIGTERM' });
  expect(result.lines).toHaveLength(1);
}, 30_000);

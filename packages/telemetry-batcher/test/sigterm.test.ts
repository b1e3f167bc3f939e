import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'x-telemetry-sigterm-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('writes every span added before SIGTERM to the file, then dies of SIGTERM', async () => {
  const path = join(dir, 'spans.jsonl');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures/sigterm-child.ts'), path],
    {
      cwd: here,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let lastAccepted = 0;
  let signalled = false;
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) lastAccepted = Number(line);
    if (!signalled && lastAccepted >= 2_000) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    // 'close', not 'exit': 'exit' can come before the last stdout chunk is read.
    child.on('close', (c, s) => resolve([c, s])),
  );

  expect(signal).toBe('SIGTERM');
  expect(code).toBeNull();
  const seqs = (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { attributes: { seq: number } }).attributes.seq);
  expect(lastAccepted).toBeGreaterThanOrEqual(2_000);
  expect(seqs).toEqual(Array.from({ length: lastAccepted }, (_, n) => n));
}, 30_000);

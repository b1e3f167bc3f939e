import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DiskStore } from '../src/index.js';
import { nextTurn, tempDir } from './helpers.js';

const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
// Even: rounds alternate between syncWrites true and false, so both modes get as many kills.
const ROUNDS = 6;

function startWriter(
  dir: string,
  round: number,
  afterBatches: number,
  sync = true,
): Promise<ChildProcess> {
  const child = fork(writer, [dir, String(round), String(afterBatches), sync ? 'sync' : 'nosync'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A value is whole if its checksum matches its body (Buffers hold the JSON of one). */
function isWhole(value: unknown): boolean {
  const parsed = Buffer.isBuffer(value) ? JSON.parse(value.toString('utf8')) : value;
  const { sum, ...body } = parsed as { sum: string; nested: { at: unknown } };
  // A Buffer carried the Date as JSON text; a stored object carried a real Date.
  if (body.nested.at instanceof Date) body.nested.at = body.nested.at.toISOString();
  return createHash('sha256').update(JSON.stringify(body)).digest('hex') === sum;
}

describe('DiskStore crash safety', () => {
  const { dir, remove } = tempDir('x-cache-crash-');
  afterAll(remove);

  it('returns only whole, written values after SIGKILLs at random moments, and reopens each time', async () => {
    let checked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // A random moment: after 1 to 12 batches, with the next batch's writes in flight.
      // Odd rounds write with syncWrites: false, which must survive a process kill just as well.
      const afterBatches = 1 + Math.floor(Math.random() * 12);
      const child = await startWriter(dir, round, afterBatches, round % 2 === 0);
      await kill(child);

      const store = new DiskStore({ dir, sweepIntervalMs: 0 });
      const onReset = vi.fn();
      store.on('reset', onReset);
      try {
        let seen = 0;
        for await (const [key, value] of store.iterator()) {
          if (key === 'probe') continue;
          expect(isWhole(value), `value of ${key} after round ${round}`).toBe(true);
          seen++;
        }
        // A process crash is not a machine crash: what was committed is kept, never discarded.
        expect(seen, `entries after round ${round}`).toBeGreaterThan(0);
        await nextTurn();
        expect(onReset).not.toHaveBeenCalled();
        checked += seen;
        await expect(store.set('probe', { round })).resolves.toBe(true);
        expect(await store.get('probe')).toEqual({ round });
        expect(store.stats().entries).toBeLessThanOrEqual(300 * 1.2 + 1);
      } finally {
        await store.close();
      }
    }
    expect(checked).toBeGreaterThan(0);
  }, 20_000);

  it('lets a second process read what the first wrote, while it writes', async () => {
    const child = await startWriter(dir, 99, 5);
    const store = new DiskStore({ dir, sweepIntervalMs: 0 });
    try {
      const seen: unknown[] = [];
      for await (const [key, value] of store.iterator()) if (key !== 'probe') seen.push(value);

      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every(isWhole)).toBe(true);
    } finally {
      await kill(child);
      await store.close();
    }
  });
});

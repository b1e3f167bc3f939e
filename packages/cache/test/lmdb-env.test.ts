import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireEnv, setTotalBytes, totalBytes } from '../src/lmdb-env.js';
import { tempDir } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function openEnv(syncWrites: boolean) {
  const { dir, remove } = tempDir();
  const { env, release } = acquireEnv(join(dir, 'cache.mdb'), syncWrites);
  cleanups.push(remove, release);
  return env;
}

describe('DiskEnv.write without fsync', () => {
  it('commits every write of one turn in one transaction, each resolving with its own result', async () => {
    const env = openEnv(false);

    const results = await Promise.all([
      env.write(() => {
        env.info.put('a', 1);
        return 'first';
      }),
      env.write(() => {
        env.info.put('b', 2);
        return 'second';
      }),
    ]);

    expect(results).toEqual(['first', 'second']);
    expect([env.info.get('a'), env.info.get('b')]).toEqual([1, 2]);
  });

  it('fails only the write that threw, not the others batched with it', async () => {
    const env = openEnv(false);

    const [good, bad, after] = await Promise.allSettled([
      env.write(() => env.info.put('good', 1)),
      env.write(() => {
        env.info.put('bad', 2);
        throw new Error('boom');
      }),
      env.write(() => env.info.put('after', 3)),
    ]);

    expect([good.status, bad.status, after.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(env.info.get('good')).toBe(1);
    expect(env.info.get('bad')).toBeUndefined(); // its transaction was rolled back
    expect(env.info.get('after')).toBe(3);
  });
});

describe.each([false, true])('the byte total inside a write (syncWrites: %s)', (syncWrites) => {
  it('is read once, carried across the writes of one transaction and committed at its end', async () => {
    const env = openEnv(syncWrites);
    await env.write(() => setTotalBytes(env, 100));

    const seen = await Promise.all([
      env.write(() => {
        setTotalBytes(env, totalBytes(env) + 10);
        return totalBytes(env);
      }),
      env.write(() => {
        setTotalBytes(env, totalBytes(env) + 5);
        return totalBytes(env);
      }),
    ]);

    expect(seen).toEqual([110, 115]);
    expect(totalBytes(env)).toBe(115);
    expect(env.info.get('bytes')).toBe(115);
  });

  it('rolls back with a write that threw', async () => {
    const env = openEnv(syncWrites);
    await env.write(() => setTotalBytes(env, 100));

    const outcome = await Promise.allSettled([
      env.write(() => {
        setTotalBytes(env, 999);
        throw new Error('boom');
      }),
    ]);

    expect(outcome[0]?.status).toBe('rejected');
    expect(totalBytes(env)).toBe(100);
  });

  it('cannot be changed outside a write', () => {
    const env = openEnv(syncWrites);

    expect(() => setTotalBytes(env, 1)).toThrow(/only inside a write/);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// These run the BUILT package in a real Node process, on real time: they are about what keeps
// the process alive, which no fake clock can show. Each script's only pending work is a short
// timeout, so a passing run takes tens of milliseconds.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function runScript(body: string) {
  // spawnSync's timeout kills the child if it hangs, so nothing outlives the test.
  return spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { PeerPool, isPoolError } from ${JSON.stringify(pathToFileURL(dist).href)};\n${body}`,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
}

beforeAll(() => {
  if (!existsSync(dist)) {
    throw new Error(`${dist} is missing: build the package first (pnpm --filter @x/pool build).`);
  }
});

describe('a script and its process', () => {
  it('finishes an awaited drain() of a leaked connection at its deadline: exit code 0', () => {
    const child = runScript(`
      const pool = new PeerPool({ create: (peerId) => ({ peerId }), destroy: () => {} });
      await pool.acquire('p'); // borrowed and never given back
      await pool.drain({ timeoutMs: 50 });
      console.log('drained', pool.stats().size);
    `);

    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('drained 0');
    expect(child.status).toBe(0);
  });

  it('waits for the acquire timeout of a create that never settles: ERR_POOL_ACQUIRE_TIMEOUT, exit code 0', () => {
    const child = runScript(`
      const pool = new PeerPool({
        create: () => new Promise(() => {}),
        destroy: () => {},
        acquireTimeoutMs: 50,
      });
      try {
        await pool.acquire('p');
        console.log('acquired');
      } catch (error) {
        console.log(isPoolError(error, 'ERR_POOL_ACQUIRE_TIMEOUT') ? error.code : String(error));
      }
    `);

    // The hung create's 30 s createTimeoutMs no longer holds the process once nobody waits.
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('ERR_POOL_ACQUIRE_TIMEOUT');
    expect(child.status).toBe(0);
  });

  it('waits for the acquire timeout of a new peer that maxPeers keeps waiting', () => {
    const child = runScript(`
      const pool = new PeerPool({
        create: (peerId) => ({ peerId }),
        destroy: () => {},
        maxPeers: 1,
        acquireTimeoutMs: 50,
      });
      await pool.acquire('a'); // borrowed and never given back
      await pool.acquire('b').catch((error) => console.log(error.code));
    `);

    expect(child.stdout.trim()).toBe('ERR_POOL_ACQUIRE_TIMEOUT');
    expect(child.status).toBe(0);
  });

  it('waits through the backoff between failing creates until maxAttempts', () => {
    const child = runScript(`
      let calls = 0;
      const pool = new PeerPool({
        create: () => { calls += 1; return Promise.reject(new Error('ECONNREFUSED')); },
        destroy: () => {},
        createRetry: { maxAttempts: 2, baseDelayMs: 50, jitter: 'none' },
      });
      await pool.acquire('p').catch((error) => console.log(error.code, calls));
    `);

    expect(child.stdout.trim()).toBe('ERR_POOL_CREATE_FAILED 2');
    expect(child.status).toBe(0);
  });

  it('waits in drain() for a hung destroy until destroyTimeoutMs', () => {
    const child = runScript(`
      const pool = new PeerPool({
        create: (peerId) => ({ peerId }),
        destroy: () => new Promise(() => {}),
        destroyTimeoutMs: 50,
      });
      pool.on('destroyError', ({ error }) => console.log(error.code));
      await pool.use('p', () => {});
      await pool.drain();
      console.log('drained');
    `);

    expect(child.stdout.trim().split('\n')).toEqual(['ERR_POOL_DESTROY_TIMEOUT', 'drained']);
    expect(child.status).toBe(0);
  });

  it('is not kept alive by a pool of idle connections that hold no handles', () => {
    const child = runScript(`
      const pool = new PeerPool({
        create: (peerId) => ({ peerId }),
        destroy: () => {},
        validate: () => true,
        testWhileIdle: true,
        idleTimeoutMs: 3_600_000,
      });
      console.log(await pool.use('p', (conn) => conn.peerId));
    `);

    // An hour-long idle timeout, ref'd, would hold the child until spawnSync's timeout kills it.
    expect(child.stdout.trim()).toBe('p');
    expect(child.status).toBe(0);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// These run the BUILT package in a real Node process, on real time: they are about what keeps
// the process alive, which no fake clock can show. Each script's only pending work is a short
// timer, so a passing run takes tens of milliseconds.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function runScript(body: string) {
  // spawnSync's timeout kills the child if it hangs, so nothing outlives the test.
  return spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { CircuitBreaker, isBreakerError, retry } from ${JSON.stringify(pathToFileURL(dist).href)};\n${body}`,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
}

beforeAll(() => {
  if (!existsSync(dist)) {
    throw new Error(
      `${dist} is missing: build the package first (pnpm --filter @x/breaker build).`,
    );
  }
});

describe('a script and its process', () => {
  it('waits for a hung call’s timeout, ending with ERR_BREAKER_TIMEOUT and exit code 0', () => {
    const child = runScript(`
      try {
        await new CircuitBreaker({ timeout: 50 }).execute(() => new Promise(() => {}));
        console.log('settled');
      } catch (error) {
        console.log(isBreakerError(error, 'ERR_BREAKER_TIMEOUT') ? error.code : String(error));
      }
    `);

    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('ERR_BREAKER_TIMEOUT');
    expect(child.status).toBe(0);
  });

  it('waits through a retry’s wait between attempts', () => {
    const child = runScript(`
      let calls = 0;
      const value = await retry(
        async () => {
          if (++calls < 2) throw new Error('flaky');
          return 'ok';
        },
        { baseDelayMs: 50, jitter: 'none' },
      );
      console.log(value, calls);
    `);

    expect(child.stdout.trim()).toBe('ok 2');
    expect(child.status).toBe(0);
  });

  it('is not kept alive by an open breaker, which holds no timer', () => {
    const child = runScript(`
      const breaker = new CircuitBreaker({ failureThreshold: 1, recoveryTimeout: 3_600_000 });
      await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
      console.log(breaker.state);
    `);

    // An hour-long recovery timer would hold the child until spawnSync's timeout kills it.
    expect(child.stdout.trim()).toBe('open');
    expect(child.status).toBe(0);
  });
});

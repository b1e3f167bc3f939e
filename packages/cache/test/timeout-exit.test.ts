import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/hung-tier.mjs', import.meta.url));

/** Runs the script on the built package (dist/) and collects its output and exit code. */
function run(path: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  }).finally(() => {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }) as Promise<{ code: number | null; stdout: string; stderr: string }>;
}

describe('a process whose only pending work is a get on a hung tier', () => {
  it('stays alive until the tier timeout, gets a miss plus the TierTimeoutError event, and exits 0', async () => {
    const { code, stdout, stderr } = await run(script);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual({
      miss: true,
      events: [{ code: 'ERR_CACHE_TIER_TIMEOUT', tier: 'keyv', operation: 'get', key: 'k' }],
    });
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
let child: ChildProcess | undefined;

beforeAll(() => {
  if (!existsSync(join(packageDir, 'dist/index.js'))) {
    throw new Error('dist/ is missing: run `pnpm --filter @x/telemetry-batcher build` first');
  }
});

afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill();
  child = undefined;
});

/** Runs `node <script> ...args` from the package folder; resolves on 'close' (all stdout read). */
async function run(script: string, args: string[]) {
  const spawned = spawn(process.execPath, [join(packageDir, script), ...args], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = spawned;
  let stdout = '';
  let stderr = '';
  spawned.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  spawned.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => spawned.on('close', resolve));
  return { code, stdout, stderr };
}

// Exit code 13 ("unsettled top-level await") would mean a timer the awaited work needs was
// unref'd and Node quit before it fired.
it.each(['flush', 'shutdown'])(
  'ends `await batcher.%s()` of a hung export with ERR_TELEMETRY_EXPORT_TIMEOUT and exit code 0',
  async (mode) => {
    const result = await run('test/fixtures/export-timeout-child.mjs', [mode]);

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        'ERR_TELEMETRY_EXPORT_TIMEOUT attempt=1',
        'ERR_TELEMETRY_EXPORT_TIMEOUT attempt=2',
        'exportFailed=1',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(0);
  },
  10_000,
);

it('runs the CLI through the committed bin file', async () => {
  const result = await run('bin/x-telemetry.js', ['--help']);

  expect(result.stdout).toContain('usage: x-telemetry report FILE [--json | --html OUT]');
  expect(result.code).toBe(0);
}, 10_000);

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// The BUILT package, as a user's script would load it (`pnpm --filter @x/scheduler build`).
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const children: ReturnType<typeof execFile>[] = [];

beforeAll(() => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: build @x/scheduler first`);
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
});

/** Runs `body` as an ES module script with `Scheduler` imported from the built package. */
function runScript(body: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const source = `import { Scheduler } from ${JSON.stringify(dist)};\n${body}`;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', source],
      { encoding: 'utf8', timeout: 10_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (child.exitCode ?? null) : 0, stdout, stderr });
      },
    );
    children.push(child);
  });
}

describe('a script whose only pending work is a scheduler task', () => {
  it('waits for a hung task to time out, then exits with code 0', async () => {
    const result = await runScript(`
      const scheduler = new Scheduler();
      try {
        await scheduler.add(() => new Promise(() => {}), { timeout: 50 });
        console.log('resolved');
      } catch (error) {
        console.log(error.code);
      }
    `);

    expect(result).toMatchObject({ code: 0, stdout: 'ERR_SCHEDULER_TASK_TIMEOUT\n' });
  });

  it("waits for a queued task's deadline under 'reject', then exits with code 0", async () => {
    const result = await runScript(`
      const scheduler = new Scheduler({ onDeadlineMiss: 'reject', autoStart: false });
      try {
        await scheduler.add(async () => 'ran', { deadline: Date.now() + 50 });
        console.log('resolved');
      } catch (error) {
        console.log(error.code);
      }
    `);

    expect(result).toMatchObject({ code: 0, stdout: 'ERR_SCHEDULER_DEADLINE_EXCEEDED\n' });
  });

  it('leaves no timer behind once its tasks are done', async () => {
    const result = await runScript(`
      const scheduler = new Scheduler({ onDeadlineMiss: 'reject', concurrency: 2 });
      await Promise.all([
        scheduler.add(async () => 1, { timeout: 60_000 }),
        scheduler.add(async () => 2, { deadline: Date.now() + 60_000 }),
        scheduler.add(async () => 3, { deadline: Date.now() + 60_000, timeout: 60_000 }),
      ]);
      console.log(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length);
    `);

    expect(result).toMatchObject({ code: 0, stdout: '0\n' });
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock, Workflow } from '../src/index.js';
import { delay } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('keeps its timers referenced: a run waiting on one is work the caller awaits', () => {
    const handle = systemClock.setTimeout(() => undefined, 1_000) as NodeJS.Timeout;

    const referenced = handle.hasRef();
    systemClock.clearTimeout(handle);

    expect(referenced).toBe(true);
  });
});

describe('a run and the process', () => {
  // The built package, as a user's script would import it: `pnpm --filter @x/dag build` first.
  const dist = new URL('../dist/index.js', import.meta.url);
  const runScript = (body: string) => {
    if (!existsSync(dist))
      throw new Error(`${fileURLToPath(dist)} is missing: build @x/dag first.`);
    return spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { Workflow } from ${JSON.stringify(dist.href)};\n${body}`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
  };

  it('is not cut short by the process exiting during a retry delay', () => {
    const child = runScript(`
      let calls = 0;
      const wf = new Workflow().step('flaky', () => {
        if (++calls < 2) throw new Error('flaky');
        return 'ok';
      }, { maxAttempts: 2, baseDelayMs: 50, jitter: 'none' });
      const result = await wf.run();
      console.log(result.status, result.steps.flaky.attempts);
    `);

    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('succeeded 2');
    expect(child.status).toBe(0);
  });

  it('ends a script awaiting a run whose only step never settles with StepTimeoutError and exit code 0', () => {
    const child = runScript(`
      const wf = new Workflow().step('hang', () => new Promise(() => {}), { timeoutMs: 50 });
      const result = await wf.run();
      const { error } = result.steps.hang;
      console.log(result.status, result.steps.hang.status, error.name, error.code);
    `);

    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('failed failed StepTimeoutError ERR_DAG_STEP_TIMEOUT');
    expect(child.status).toBe(0);
  });
});

describe('timers left behind', () => {
  it('leaves no timer once a run is cancelled during a retry delay', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    const wf = new Workflow().step('down', () => Promise.reject(new Error('x')), {
      maxAttempts: 4,
      baseDelayMs: 10_000,
    });
    const running = wf.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1);

    controller.abort();
    const result = await running;

    expect(result.status).toBe('cancelled');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer once a run is cancelled while a step with a time limit runs', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    const wf = new Workflow().step('slow', () => new Promise(() => {}), { timeoutMs: 10_000 });
    const running = wf.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1);

    controller.abort();
    await running;

    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer once failFast stops steps that have time limits', async () => {
    vi.useFakeTimers({ now: 0 });
    const wf = new Workflow()
      .step('bad', () => delay(5).then(() => Promise.reject(new Error('x'))))
      .step('slow', () => new Promise(() => {}), { timeoutMs: 10_000 })
      .step('flaky', () => Promise.reject(new Error('y')), { maxAttempts: 3, baseDelayMs: 10_000 });
    const running = wf.run({ failFast: true });
    await vi.advanceTimersByTimeAsync(5);

    await running;

    expect(vi.getTimerCount()).toBe(0);
  });
});

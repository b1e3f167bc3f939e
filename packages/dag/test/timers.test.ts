import { spawnSync } from 'node:child_process';
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
  const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const runScript = (body: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { Workflow } from ${JSON.stringify(entry)};\n${body}`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );

  it('is not cut short by the process exiting during a retry delay', () => {
    const child = runScript(`
      let calls = 0;
      const wf = new Workflow().step('flaky', () => {
        if (++calls < 2) throw new Error('flaky');
        return 'ok';
      }, { retries: 1, retryDelayMs: 20 });
      const result = await wf.run();
      console.log(result.status, result.steps.flaky.attempts);
    `);

    expect(child.stdout.trim()).toBe('succeeded 2');
    expect(child.status).toBe(0);
  });

  it('is not cut short by the process exiting before a hung step times out', () => {
    const child = runScript(`
      const wf = new Workflow().step('hang', () => new Promise(() => {}), { timeoutMs: 20 });
      const result = await wf.run();
      console.log(result.status, result.steps.hang.error.code);
    `);

    expect(child.stdout.trim()).toBe('failed E_STEP_TIMEOUT');
    expect(child.status).toBe(0);
  });
});

describe('timers left behind', () => {
  it('leaves no timer once a run is cancelled during a retry delay', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    const wf = new Workflow().step('down', () => Promise.reject(new Error('x')), {
      retries: 3,
      retryDelayMs: 10_000,
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
      .step('flaky', () => Promise.reject(new Error('y')), { retries: 2, retryDelayMs: 10_000 });
    const running = wf.run({ failFast: true });
    await vi.advanceTimersByTimeAsync(5);

    await running;

    expect(vi.getTimerCount()).toBe(0);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Workflow } from '../src/index.js';
import { delay, settle } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RunResult.criticalPathMs', () => {
  it('is the longest chain of durations through the graph', async () => {
    const wf = new Workflow()
      .step('a', () => delay(10))
      .step('b', () => delay(30), { needs: ['a'] })
      .step('c', () => delay(5), { needs: ['a'] })
      .step('d', () => delay(10), { needs: ['b', 'c'] })
      .step('lone', () => delay(45));

    const result = await settle(wf.run());

    expect(result.criticalPathMs).toBe(50);
  });

  it('is the least the run could take, when limited concurrency made it longer', async () => {
    const wf = new Workflow()
      .step('a', () => delay(20))
      .step('b', () => delay(20))
      .step('c', () => delay(20));

    const result = await settle(wf.run({ concurrency: 1 }));

    expect(result.durationMs).toBe(60);
    expect(result.criticalPathMs).toBe(20);
  });

  it('counts a skipped step as 0 but keeps the chain through it', async () => {
    const wf = new Workflow()
      .step('fails', () => delay(7).then(() => Promise.reject(new Error('x'))))
      .step('skipped', () => delay(100), { needs: ['fails'] })
      .step('cleanup', () => delay(3), { needs: ['skipped'], trigger: 'all-done' });

    const result = await settle(wf.run());

    expect(result.steps.skipped?.status).toBe('skipped');
    expect(result.criticalPathMs).toBe(10);
  });

  it('includes retry waits, as the step durations do', async () => {
    let calls = 0;
    const wf = new Workflow().step(
      'flaky',
      () => delay(5).then(() => (++calls < 2 ? Promise.reject(new Error('x')) : 'ok')),
      { maxAttempts: 2, baseDelayMs: 20, jitter: 'none' },
    );

    const result = await settle(wf.run());

    expect(result.criticalPathMs).toBe(30);
  });

  it('is 0 for an empty workflow and for a run cancelled before it started', async () => {
    const empty = await new Workflow().run();
    const cancelled = await new Workflow().step('a', () => 1).run({ signal: AbortSignal.abort() });

    expect(empty.criticalPathMs).toBe(0);
    expect(cancelled.criticalPathMs).toBe(0);
  });
});

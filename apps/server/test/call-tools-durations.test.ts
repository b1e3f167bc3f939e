import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Gateway, startGateway } from './gateway-helpers.js';
import { ok } from './helpers.js';

/** True when `ms` has at most two decimals (allowing for binary floating point). */
function toTheHundredth(ms: number): boolean {
  return Math.abs(ms * 100 - Math.round(ms * 100)) < 1e-6;
}

describe('durations in dispatch answers', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    vi.restoreAllMocks();
    await gateway?.close();
    gateway = undefined;
  });

  it('rounds durationMs to the hundredth of a millisecond in dispatch and dispatch_parallel', async () => {
    gateway = await startGateway({ builtins: ['demo'] });
    // A monotonic clock with a long fractional part, as performance.now() has.
    let now = 1_000;
    vi.spyOn(performance, 'now').mockImplementation(() => {
      now += 1.234567891;
      return now;
    });
    const call = { category: 'demo', tool: 'echo', params: { value: 1 } };

    const single = ok<{ durationMs: number }>(await gateway.call('dispatch', call));
    const batch = ok<{ durationMs: number }>(
      await gateway.call('dispatch_parallel', { calls: [call] }),
    );

    expect(single.durationMs).toBeGreaterThan(0);
    expect(toTheHundredth(single.durationMs)).toBe(true);
    expect(batch.durationMs).toBeGreaterThan(0);
    expect(toTheHundredth(batch.durationMs)).toBe(true);
  });

  it('rounds the durations of a workflow_run answer to the hundredth of a millisecond', async () => {
    // A workflow clock with a long fractional part in every reading.
    let now = 1_000;
    const workflowClock = {
      now: () => {
        now += 1.234567891;
        return now;
      },
      setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
      clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    gateway = await startGateway({ builtins: ['demo'] }, { workflowClock });

    const report = ok<{
      durationMs: number;
      criticalPathMs: number;
      steps: { durationMs?: number }[];
    }>(
      await gateway.call('workflow_run', {
        steps: [
          { id: 'a', category: 'demo', tool: 'echo', params: { value: 1 } },
          { id: 'b', category: 'demo', tool: 'echo', params: { value: '${steps.a.output.value}' } },
        ],
      }),
    );

    expect(report.durationMs).toBeGreaterThan(0);
    for (const ms of [
      report.durationMs,
      report.criticalPathMs,
      ...report.steps.map((s) => s.durationMs ?? 0),
    ]) {
      expect(toTheHundredth(ms), String(ms)).toBe(true);
    }
  });
});

import { z } from 'zod';
import { CallCancelledError } from '../../errors.js';
import type { CategorySpec } from '../registry.js';
import { defineTool, resolveZodTool } from '../tool.js';

export class FlakyFailureError extends Error {
  readonly code = 'FLAKY_FAILURE';
  constructor(failureRate: number) {
    super(`demo.flaky failed on purpose (failureRate ${failureRate}).`);
    this.name = 'FlakyFailureError';
  }
}

/** Waits `ms`, ending early (rejecting) when `signal` aborts; the timer never holds the process. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new CallCancelledError(signal.reason));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CallCancelledError(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `random` is injectable so `flaky` is deterministic in tests. */
export function demoTools(random: () => number = Math.random) {
  return [
    defineTool({
      name: 'echo',
      description: 'Return the given value unchanged (cached: read-only and idempotent).',
      input: z.strictObject({ value: z.unknown() }),
      hints: { readOnlyHint: true, idempotentHint: true },
      run: ({ value }) => ({ value: value ?? null }),
    }),
    defineTool({
      name: 'sleep',
      description: 'Wait ms milliseconds, then answer; cancellable. For concurrency demos.',
      input: z.strictObject({ ms: z.number().int().min(0).max(600_000) }),
      hints: { readOnlyHint: true },
      run: async ({ ms }, { signal }) => {
        await sleep(ms, signal);
        return { sleptMs: ms };
      },
    }),
    defineTool({
      name: 'flaky',
      description: 'Fail with probability failureRate (0..1), else succeed. For breaker demos.',
      input: z.strictObject({ failureRate: z.number().min(0).max(1) }),
      hints: { readOnlyHint: true },
      run: ({ failureRate }) => {
        if (random() < failureRate) throw new FlakyFailureError(failureRate);
        return { ok: true };
      },
    }),
  ];
}

export function demoCategory(random?: () => number): CategorySpec {
  return {
    name: 'demo',
    description: 'Demo tools for trying things out: echo, sleep(ms), flaky(failureRate).',
    load: () => ({ tools: demoTools(random).map((tool) => resolveZodTool('demo', tool)) }),
  };
}

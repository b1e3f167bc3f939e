import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Workflow } from '../src/index.js';
import { delay } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A random DAG: step i may need any step j < i; declared in a shuffled order. */
const dagArbitrary = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    durations: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: n, maxLength: n }),
    needs: fc.tuple(
      ...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j))),
    ),
    declaration: fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
    concurrency: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 1, max: 4 })),
  }),
);

function criticalPath(durations: number[], needs: number[][]): number {
  const finish: number[] = [];
  for (let i = 0; i < durations.length; i++) {
    const ready = Math.max(0, ...needs[i]!.map((j) => finish[j]!));
    finish[i] = ready + durations[i]!;
  }
  return Math.max(...finish);
}

describe('property: random DAGs with fake durations', () => {
  it('runs every step once, after all its dependencies; reports the critical path, which unlimited concurrency meets', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, async ({ durations, needs, declaration, concurrency }) => {
        vi.setSystemTime(0);
        const runs = new Array<number>(durations.length).fill(0);
        const started: number[] = [];
        const ended: number[] = [];
        const wf = new Workflow();
        for (const i of declaration) {
          wf.step(
            `s${i}`,
            async () => {
              runs[i]!++;
              started[i] = Date.now();
              await delay(durations[i]!);
              ended[i] = Date.now();
            },
            { needs: needs[i]!.map((j) => `s${j}`) },
          );
        }

        const running = wf.run({ concurrency });
        await vi.runAllTimersAsync();
        const result = await running;

        expect(result.status).toBe('succeeded');
        expect(runs.every((count) => count === 1)).toBe(true);
        needs.forEach((deps, i) => {
          for (const j of deps) expect(started[i]).toBeGreaterThanOrEqual(ended[j]!);
        });
        const critical = criticalPath(durations, needs);
        expect(result.criticalPathMs).toBe(critical);
        if (concurrency === Number.POSITIVE_INFINITY) expect(result.durationMs).toBe(critical);
        else {
          expect(result.durationMs).toBeGreaterThanOrEqual(critical);
          expect(result.durationMs).toBeLessThanOrEqual(durations.reduce((a, b) => a + b, 0));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never runs a step whose dependency failed, and skips exactly the failure’s descendants', async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArbitrary,
        fc.integer({ min: 0, max: 24 }),
        async ({ durations, needs }, pick) => {
          vi.setSystemTime(0);
          const failing = pick % durations.length;
          const wf = new Workflow();
          durations.forEach((ms, i) => {
            wf.step(
              `s${i}`,
              () => delay(ms).then(() => (i === failing ? Promise.reject(new Error('x')) : i)),
              { needs: needs[i]!.map((j) => `s${j}`) },
            );
          });
          const descendants = new Set<number>();
          for (let i = 0; i < durations.length; i++) {
            if (needs[i]!.some((j) => j === failing || descendants.has(j))) descendants.add(i);
          }

          const running = wf.run();
          await vi.runAllTimersAsync();
          const result = await running;

          durations.forEach((_, i) => {
            const expected =
              i === failing ? 'failed' : descendants.has(i) ? 'skipped' : 'succeeded';
            expect(result.steps[`s${i}`]?.status).toBe(expected);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { measureWorkload, median, percentile, ratioOf } from '../src/measure.js';

const tiny = { rounds: 2, timeMs: 2, warmupMs: 1 };

describe('measureWorkload', () => {
  it('reports a rate for every contender and ours ÷ anchor as the ratio', async () => {
    let cheap = 0;
    const result = await measureWorkload(
      {
        name: 'sum',
        ours: 'cheap',
        contenders: [
          { name: 'cheap', run: () => cheap++ },
          {
            name: 'costly',
            run: () => {
              let sum = 0;
              for (let i = 0; i < 2000; i++) sum += i;
              return sum;
            },
          },
        ],
      },
      tiny,
      { quick: true },
    );
    expect(Object.keys(result.results).sort()).toEqual(['cheap', 'costly']);
    expect(result.results.cheap!.rounds).toHaveLength(2);
    expect(result.ratios.costly).toBeCloseTo(
      result.results.cheap!.value / result.results.costly!.value,
    );
    expect(result.ratios).not.toHaveProperty('cheap');
  });

  it('awaits async contenders and runs setup and teardown around each round', async () => {
    const events: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    await measureWorkload(
      {
        name: 'async',
        ours: 'a',
        contenders: [
          {
            name: 'a',
            setup: () => events.push('setup'),
            teardown: () => events.push('teardown'),
            run: async () => {
              inFlight++;
              maxInFlight = Math.max(maxInFlight, inFlight);
              await Promise.resolve();
              inFlight--;
            },
          },
        ],
      },
      tiny,
      { quick: true },
    );
    expect(maxInFlight).toBe(1);
    expect(events).toEqual(['setup', 'teardown', 'setup', 'teardown']);
  });

  it('adds latency percentiles when asked', async () => {
    const result = await measureWorkload(
      { name: 'lat', ours: 'x', latency: true, contenders: [{ name: 'x', run: () => 1 }] },
      tiny,
      { quick: true },
    );
    const x = result.results.x!;
    expect(x.p50Ns).toBeGreaterThan(0);
    expect(x.p99Ns).toBeGreaterThanOrEqual(x.p50Ns!);
  });

  it('takes the median of a metric over rounds and inverts the ratio when lower is better', async () => {
    let round = 0;
    const result = await measureWorkload(
      {
        kind: 'metric',
        name: 'makespan',
        ours: 'ready-set',
        unit: 'ms',
        better: 'lower',
        measure: () => {
          round++;
          return { 'ready-set': 10 * round, 'level-by-level': 40 * round };
        },
      },
      { rounds: 3, timeMs: 1, warmupMs: 0 },
      { quick: false },
    );
    expect(result.results['ready-set']!.value).toBe(20);
    expect(result.ratios['level-by-level']).toBe(4);
  });
});

describe('meetsGoal', () => {
  it("stores the workload's own verdict on its goal with the result", async () => {
    const result = await measureWorkload(
      {
        kind: 'metric',
        name: 'writes',
        ours: 'x',
        unit: 'count',
        better: 'lower',
        goal: 'zero of each',
        meetsGoal: (r) => Object.values(r.results).every((c) => c.value === 0),
        measure: () => ({ x: 0, warnings: 1 }),
      },
      { rounds: 1, timeMs: 1, warmupMs: 0 },
      { quick: true },
    );
    expect(result.goalMet).toBe(false);
    expect(result.goal).toBe('zero of each');
  });
});

describe('statistics', () => {
  it('computes medians of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
  });

  it('says ours wins with a ratio above 1 in both directions', () => {
    expect(ratioOf(200, 100, 'higher')).toBe(2);
    expect(ratioOf(5, 10, 'lower')).toBe(2);
  });
});

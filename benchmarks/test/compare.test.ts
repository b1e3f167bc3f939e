import { describe, expect, it } from 'vitest';
import { compareRuns, parseBaseline, parseThreshold, type SavedRun } from '../src/compare.js';
import type { PackageResult } from '../src/types.js';

function run(value: number, better: 'higher' | 'lower' = 'higher'): SavedRun {
  const pkg: PackageResult = {
    package: 'breaker',
    date: '2026-11-21T00:00:00.000Z',
    node: '20.20.2',
    platform: 'linux-x64',
    cpu: '2 × test',
    quick: false,
    workloads: [
      {
        name: 'closed call',
        ours: '@x/breaker',
        unit: better === 'higher' ? 'ops/s' : 'ms',
        better,
        results: {
          '@x/breaker': { value, spread: 0, rounds: [value] },
          opossum: { value: 1, spread: 0, rounds: [1] },
        },
        ratios: { opossum: value },
      },
    ],
  };
  return { packages: [pkg] };
}

describe('compareRuns', () => {
  it('fails a workload whose rate dropped by more than the threshold', () => {
    const [row] = compareRuns(run(70), run(100), 0.2);
    expect(row!.regression).toBeCloseTo(0.3);
    expect(row!.failed).toBe(true);
  });

  it('passes a workload that got slower by less than the threshold, or faster', () => {
    expect(compareRuns(run(85), run(100), 0.2)[0]!.failed).toBe(false);
    expect(compareRuns(run(150), run(100), 0.2)[0]!.regression).toBeLessThan(0);
  });

  it('treats a higher figure as worse when lower is better', () => {
    const [row] = compareRuns(run(130, 'lower'), run(100, 'lower'), 0.2);
    expect(row!.failed).toBe(true);
  });

  it('ignores workloads that only one of the runs has', () => {
    const other = run(100);
    other.packages[0]!.workloads[0]!.name = 'something else';
    expect(compareRuns(run(1), other, 0.2)).toEqual([]);
  });
});

describe('parseBaseline', () => {
  it('accepts a saved run and a single package result', () => {
    const saved = run(1);
    expect(parseBaseline(saved)).toBe(saved);
    expect(parseBaseline(saved.packages[0]).packages).toHaveLength(1);
  });

  it('rejects anything else with a message naming the expected files', () => {
    expect(() => parseBaseline({ nope: true })).toThrow(/--save FILE/);
  });
});

describe('parseThreshold', () => {
  it('reads percentages with or without the sign', () => {
    expect(parseThreshold('20%')).toBe(0.2);
    expect(parseThreshold('5')).toBe(0.05);
  });

  it('rejects what is not a percentage', () => {
    expect(() => parseThreshold('fast')).toThrow(RangeError);
    expect(() => parseThreshold('-3%')).toThrow(/--fail-over/);
  });
});

import { describe, expect, it } from 'vitest';
import { checkGoal } from '../src/goals.js';
import {
  consoleTable,
  formatVerdict,
  resultsMarkdown,
  svgChart,
  writtenFiles,
} from '../src/report.js';
import type { PackageResult, WorkloadResult } from '../src/types.js';

const result: PackageResult = {
  package: 'breaker',
  description: 'Breaker <vs> anchors',
  date: '2026-11-21T00:00:00.000Z',
  node: '20.20.2',
  platform: 'linux-x64',
  cpu: '2 × test',
  quick: false,
  workloads: [
    {
      name: 'closed call',
      ours: '@x/breaker',
      unit: 'ops/s',
      better: 'higher',
      goal: '≥ 3× opossum',
      results: {
        '@x/breaker': { value: 3_000_000, spread: 0.05, rounds: [3_000_000, 2_900_000] },
        opossum: { value: 1_000_000, spread: 0.1, rounds: [1_000_000, 1_100_000] },
      },
      ratios: { opossum: 3 },
    },
  ],
};

describe('svgChart', () => {
  it('draws one bar per contender, ours full width when it is the best, text escaped', () => {
    const svg = svgChart(result);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain('width="380"');
    expect(svg).toContain('width="127"');
    expect(svg).toContain('opossum (ours 3.00×)');
    expect(svg).not.toContain('<vs>');
  });
});

describe('resultsMarkdown', () => {
  it('lists each workload with the figures, the ratio, the goal and the chart', () => {
    const md = resultsMarkdown([result]);
    expect(md).toContain('## @x/breaker');
    expect(md).toContain(
      '| closed call | **@x/breaker** | 3.00M ops/s | ±5% |  |  | ≥ 3× opossum — met |',
    );
    expect(md).toContain('|  | opossum | 1.00M ops/s | ±10% | 3.00× |  |  |');
    expect(md).toContain('![@x/breaker chart](results/breaker.svg)');
  });
});

/** The same run in quick mode: one round, so no spread, and ours now 2× opossum. */
function quickRun(): PackageResult {
  const w = result.workloads[0]!;
  return {
    ...result,
    quick: true,
    workloads: [
      {
        ...w,
        results: {
          '@x/breaker': { value: 2_000_000, spread: 0, rounds: [2_000_000] },
          opossum: { value: 1_000_000, spread: 0, rounds: [1_000_000] },
        },
        ratios: { opossum: 2 },
      },
    ],
  };
}

describe('consoleTable', () => {
  it('shows the spread across rounds and the goal met', () => {
    const table = consoleTable(result);
    expect(table).toContain('goal: ≥ 3× opossum — met');
    expect(table).toMatch(/@x\/breaker +3\.00M ops\/s +±5% +ours/);
    expect(table).not.toContain('quick mode');
  });

  it('in quick mode says the spread is unknown, marks the goal, and warns the figures mean nothing', () => {
    const table = consoleTable(quickRun());
    expect(table).not.toContain('± 0%');
    expect(table).toMatch(/opossum +1\.00M ops\/s +± n\/a +ours is 2\.00×/);
    expect(table).toContain(
      'goal: ≥ 3× opossum — MISSED: 2.00× opossum (needs ≥ 3×) (quick figures)',
    );
    expect(table).toContain('quick mode: one short round');
    expect(table).toContain('not meaningful');
  });
});

describe('resultsMarkdown in quick mode', () => {
  it('writes n/a for the spread and says the figures are a smoke test', () => {
    const md = resultsMarkdown([quickRun()]);
    expect(md).toContain('| closed call | **@x/breaker** | 2.00M ops/s | n/a |');
    expect(md).toContain('**Quick mode: one short round');
  });
});

describe('writtenFiles', () => {
  it('names every written file, relative to the repository when inside it', () => {
    expect(
      writtenFiles(
        ['/repo/benchmarks/results/quick/breaker.json', '/elsewhere/base.json'],
        '/repo',
      ),
    ).toBe('Results written to:\n  benchmarks/results/quick/breaker.json\n  /elsewhere/base.json');
  });
});

describe("a workload's own verdict", () => {
  const workflows = (goalMet: boolean, value: number): WorkloadResult => ({
    name: 'workflow_run',
    ours: 'x-server workflow_run',
    unit: 'workflows/s',
    better: 'higher',
    goal: 'at least 600 workflows/s, all succeeding',
    goalMet,
    results: {
      'x-server workflow_run': { value, spread: 0.1, rounds: [value, value] },
      'client calls': { value: 140, spread: 0.1, rounds: [140, 140] },
    },
    ratios: { 'client calls': value / 140 },
  });

  it('says what was measured against what was needed in the console and RESULTS.md', () => {
    const missed =
      'MISSED: 470 workflows/s (needs ≥ 600 workflows/s); judged by the workload: "all succeeding"';
    const run: PackageResult = { ...result, workloads: [workflows(false, 470)] };
    expect(consoleTable(run)).toContain(
      `goal: at least 600 workflows/s, all succeeding — ${missed}`,
    );
    expect(resultsMarkdown([run])).toContain(
      `at least 600 workflows/s, all succeeding — ${missed} |`,
    );
  });

  it('shows the figures when only the workload saw the miss, and is met when it says so', () => {
    expect(formatVerdict(checkGoal(workflows(false, 650))!)).toBe(
      'MISSED: 650 workflows/s (needs ≥ 600 workflows/s); judged by the workload: "all succeeding"',
    );
    expect(formatVerdict(checkGoal(workflows(true, 650))!)).toBe('met');
    expect(formatVerdict({ status: 'missed', checks: [], unchecked: [], byWorkload: true })).toBe(
      'MISSED (judged by the workload)',
    );
  });
});

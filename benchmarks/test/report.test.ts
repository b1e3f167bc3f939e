import { describe, expect, it } from 'vitest';
import { resultsMarkdown, svgChart } from '../src/report.js';
import type { PackageResult } from '../src/types.js';

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
        '@x/breaker': { value: 3_000_000, spread: 0.05, rounds: [3_000_000] },
        opossum: { value: 1_000_000, spread: 0.1, rounds: [1_000_000] },
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
      '| closed call | **@x/breaker** | 3.00M ops/s | ±5% |  |  | ≥ 3× opossum |',
    );
    expect(md).toContain('|  | opossum | 1.00M ops/s | ±10% | 3.00× |  |  |');
    expect(md).toContain('![@x/breaker chart](results/breaker.svg)');
  });
});

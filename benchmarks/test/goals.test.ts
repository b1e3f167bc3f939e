import { describe, expect, it } from 'vitest';
import { checkGoal, goalClauses } from '../src/goals.js';
import type { ContenderResult, WorkloadResult } from '../src/types.js';

function figures(value: number, extra: Partial<ContenderResult> = {}): ContenderResult {
  return { value, spread: 0.05, rounds: [value, value], ...extra };
}

/** A throughput workload: ours at `ours` ops/s, each anchor at its own rate. */
function throughput(goal: string, ours: number, anchors: Record<string, number>): WorkloadResult {
  const results: Record<string, ContenderResult> = {
    ours: figures(ours, { meanNs: 1e9 / ours }),
  };
  const ratios: Record<string, number> = {};
  for (const [name, rate] of Object.entries(anchors)) {
    results[name] = figures(rate, { meanNs: 1e9 / rate });
    ratios[name] = ours / rate;
  }
  return { name: 'w', ours: 'ours', unit: 'ops/s', better: 'higher', goal, results, ratios };
}

describe('checkGoal', () => {
  it('checks "at least Nx <anchor>" against the ratio to that anchor', () => {
    const w = throughput('at least as fast as cockatiel, at least 3x opossum', 300, {
      cockatiel: 200,
      opossum: 150,
    });
    const verdict = checkGoal(w)!;
    expect(verdict.status).toBe('missed');
    expect(verdict.checks.map((c) => [c.clause, c.met])).toEqual([
      ['at least as fast as cockatiel', true],
      ['at least 3x opossum', false],
    ]);
    expect(verdict.checks[1]).toMatchObject({ actual: '2.00× opossum', needed: '≥ 3×' });
  });

  it('reads "within N% of", "beats" and anchors named by their first word', () => {
    expect(checkGoal(throughput('within 10% of lru-cache', 92, { 'lru-cache': 100 }))!.status).toBe(
      'met',
    );
    expect(checkGoal(throughput('within 10% of lru-cache', 85, { 'lru-cache': 100 }))!.status).toBe(
      'missed',
    );
    const pino = throughput('at least 2x pino', 500, { 'pino + sonic-boom': 200, other: 1 });
    expect(checkGoal(pino)!.checks[0]!.actual).toBe('2.50× pino + sonic-boom');
    const beats = throughput("'lfu' (TinyLFU admission) beats plain LRU", 101, {
      'lru-cache': 100,
    });
    expect(checkGoal(beats)!.status).toBe('met');
  });

  it('prefers the anchor named exactly over one that only starts the same way', () => {
    const w = throughput("at least 5x p-queue's throughput", 600, {
      'p-queue + FifoQueue': 10,
      'p-queue': 100,
    });
    expect(checkGoal(w)!.checks[0]!.actual).toBe('6.00× p-queue');
  });

  it('checks a time per operation against the mean of a throughput workload', () => {
    // 200k ops/s = 5 µs per op.
    expect(checkGoal(throughput('under 10 µs per step', 200_000, {}))!.status).toBe('met');
    expect(checkGoal(throughput('at most 2 µs per span', 200_000, {}))!.status).toBe('missed');
  });

  it('checks p99 latency when the goal names it', () => {
    const w = throughput('p99 hit latency under 50 µs', 1000, {});
    w.results.ours!.p99Ns = 60_000;
    expect(checkGoal(w)!.checks[0]).toMatchObject({ met: false, actual: '60.00 µs' });
  });

  it('checks a metric in its own unit, converting time units', () => {
    const w: WorkloadResult = {
      name: 'cold start',
      ours: 'x',
      unit: 'ms',
      better: 'lower',
      goal: 'under 0.5 s',
      results: { x: figures(355) },
      ratios: {},
    };
    expect(checkGoal(w)!.status).toBe('met');
    w.goal = 'at most 10';
    w.unit = 'writes';
    w.results.x = figures(11);
    expect(checkGoal(w)!.status).toBe('missed');
  });

  it('leaves prose it cannot read unchecked, and says so', () => {
    const verdict = checkGoal(throughput('O(log n) growth', 1, {}))!;
    expect(verdict).toEqual({ status: 'unchecked', checks: [], unchecked: ['O(log n) growth'] });
  });

  it('is missed when a checked part misses, even if another part cannot be read', () => {
    const w = throughput(
      'uncached dispatch at most 20% slower than the bare call; cached dispatch faster',
      50,
      { 'bare McpServer': 100, 'x-server dispatch (cached)': 400 },
    );
    const verdict = checkGoal(w)!;
    expect(verdict.status).toBe('missed');
    expect(verdict.checks[0]).toMatchObject({ actual: '0.50× bare McpServer', needed: '≥ 0.83×' });
    expect(verdict.unchecked).toEqual(['cached dispatch faster']);
  });

  it("takes the workload's own meetsGoal verdict over the words", () => {
    const w = throughput('at least 3x opossum', 1, { opossum: 100 });
    w.goalMet = true;
    expect(checkGoal(w)!.status).toBe('met');
  });

  it("keeps the figures beside a workload's own verdict: measured against needed, and what only it judged", () => {
    const w: WorkloadResult = {
      name: 'workflows',
      ours: 'ours',
      unit: 'workflows/s',
      better: 'higher',
      goal: 'at least 600 workflows/s, all succeeding',
      goalMet: false,
      results: { ours: figures(470), client: figures(140) },
      ratios: { client: 470 / 140 },
    };
    expect(checkGoal(w)).toEqual({
      status: 'missed',
      byWorkload: true,
      checks: [
        {
          clause: 'at least 600 workflows/s',
          met: false,
          actual: '470 workflows/s',
          needed: '≥ 600 workflows/s',
        },
      ],
      unchecked: ['all succeeding'],
    });
    w.results.ours = figures(650);
    w.goalMet = true;
    expect(checkGoal(w)).toMatchObject({ status: 'met', byWorkload: true });
  });

  it('reads a contender name holding a comma as one anchor, with or without its parenthetical', () => {
    const w = throughput(
      'at least 10x bare SDK 2 server, 1 ms tool; at most 30% slower than bare SDK 2 server, trivial echo',
      1000,
      { 'bare SDK 2 server, 1 ms tool': 500, 'bare SDK 2 server, trivial echo (the floor)': 1200 },
    );
    const verdict = checkGoal(w)!;
    expect(verdict.unchecked).toEqual([]);
    expect(verdict.checks.map((c) => [c.actual, c.needed, c.met])).toEqual([
      ['2.00× bare SDK 2 server, 1 ms tool', '≥ 10×', false],
      ['0.83× bare SDK 2 server, trivial echo (the floor)', '≥ 0.77×', true],
    ]);
  });

  it('has nothing to say about a workload without a goal', () => {
    const w = throughput('', 1, {});
    delete w.goal;
    expect(checkGoal(w)).toBeUndefined();
  });
});

describe('goalClauses', () => {
  it('splits at commas, semicolons and "and", but not inside parentheses', () => {
    expect(goalClauses('a under 1 ms and b, c (x, y and z); d')).toEqual([
      'a under 1 ms',
      'b',
      'c (x, y and z)',
      'd',
    ]);
  });

  it('does not split inside a name it is given', () => {
    expect(goalClauses('at least 2x Bare, 1 ms; under 1 ms', ['bare, 1 ms'])).toEqual([
      'at least 2x Bare, 1 ms',
      'under 1 ms',
    ]);
  });
});

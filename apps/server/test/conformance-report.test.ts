import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the package, without types
import * as report from '../scripts/conformance-report.mjs';

type Check = { id: string; status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' };
type Results = Record<string, Record<string, Check[]>>;
type Verdict = (run: {
  targets: string[];
  results: Results;
  suiteOf: Record<string, 'active' | 'pending'>;
  expected?: Record<string, string[]>;
}) => { lines: string[]; problems: string[] };
const verdict = report.verdict as Verdict;
const EXPECTED_FAILURES = report.EXPECTED_FAILURES as Record<string, string[]>;
const MISSING = report.MISSING as Record<string, string>;

const ok: Check[] = [{ id: 'a', status: 'SUCCESS' }];
const failed: Check[] = [{ id: 'a', status: 'FAILURE' }];
const warned: Check[] = [{ id: 'a', status: 'WARNING' }];

function run(
  direct: Check[],
  through: Check[],
  expected: Record<string, string[]> = {},
  suite: 'active' | 'pending' = 'active',
) {
  return verdict({
    targets: ['direct', 'stdio'],
    results: { direct: { s: direct }, stdio: { s: through } },
    suiteOf: { s: suite },
    expected,
  });
}

describe('the conformance verdict', () => {
  it('passes when x-server passes what the fixture passes', () => {
    const { problems, lines } = run(ok, ok);
    expect(problems).toEqual([]);
    expect(lines.at(-1)).toBe('conformance: ok');
  });

  it('fails when x-server fails a scenario the fixture passes and no entry lists it', () => {
    expect(run(ok, failed).problems).toEqual([
      'x-server fails s (stdio), which the fixture passes',
    ]);
  });

  it('counts a warning as not passed, like the suite’s own baseline', () => {
    expect(run(ok, warned).problems).toHaveLength(1);
  });

  it('fails when a scenario never ran through x-server', () => {
    const { problems } = verdict({
      targets: ['direct', 'stdio'],
      results: { direct: { s: ok }, stdio: {} },
      suiteOf: { s: 'active' },
      expected: {},
    });
    expect(problems).toHaveLength(1);
  });

  it('accepts a failure the expected list names, and says what is missing', () => {
    const { problems, lines } = run(ok, failed, { s: ['progress-race'] });
    expect(problems).toEqual([]);
    expect(lines.join('\n')).toContain('expected: progress-race');
    expect(lines.join('\n')).toContain(`progress-race: ${MISSING['progress-race']}`);
  });

  it('accepts a failure the expected list names with a feature still to come', () => {
    expect(run(ok, failed, { s: ['forwarding'] }).problems).toEqual([]);
  });

  it('fails on a stale entry: a listed scenario that passes through x-server', () => {
    expect(run(ok, ok, { s: ['direct'] }).problems).toEqual([
      's passes through x-server now: remove it from EXPECTED_FAILURES',
    ]);
  });

  it('never calls an entry with an intermittent feature stale, nor its failure a regression', () => {
    expect(run(ok, ok, { s: ['progress-race'] }).problems).toEqual([]);
    expect(run(ok, failed, { s: ['progress-race'] }).problems).toEqual([]);
  });

  it('fails when the fixture itself fails an active scenario, not a pending one', () => {
    expect(run(failed, failed).problems).toEqual(['the fixture fails the active scenario s']);
    expect(run(warned, warned, {}, 'pending').problems).toEqual([]);
  });

  it('counts checks out of those the fixture answers directly', () => {
    const five: Check[] = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, status: 'SUCCESS' }));
    const { lines } = run(five, failed, { s: ['direct'] });
    const total = lines.find((line) => line.startsWith('total (active)'));
    expect(total).toMatch(/5\/5 checks, 1\/1 scenarios\s+0\/5 checks, 0\/1 scenarios/);
  });

  it('names a known missing feature in every entry of the expected list', () => {
    for (const [scenario, features] of Object.entries(EXPECTED_FAILURES)) {
      expect(features.length, scenario).toBeGreaterThan(0);
      for (const feature of features) expect(Object.keys(MISSING), scenario).toContain(feature);
    }
  });
});

/**
 * Goals: whether a workload met the goal its suite states in words (`at least 3x opossum`,
 * `within 10% of lru-cache`, `under 10 µs per step`, `p99 latency under 50 µs`, `under 500 ms`).
 */
import { formatNs, formatValue } from './format.js';
import type { WorkloadResult } from './types.js';

/** One part of a goal that could be checked against the figures. */
export interface GoalCheck {
  /** The part of the goal, as written. */
  clause: string;
  met: boolean;
  /** What was measured, e.g. `0.48× cockatiel`, `12.3 µs`. */
  actual: string;
  /** What the goal asks, e.g. `≥ 1.00×`, `< 10.0 µs`. */
  needed: string;
}

/**
 * Whether a workload met its goal: `missed` when any checked part missed; `met` when every part
 * was checked and met; `unchecked` otherwise (a part is prose the harness cannot read, such as
 * "O(log n) growth" — a suite can decide those with `meetsGoal`).
 */
export interface GoalVerdict {
  status: 'met' | 'missed' | 'unchecked';
  checks: GoalCheck[];
  /** The parts of the goal that could not be checked. */
  unchecked: string[];
  /**
   * Set when the workload's own `meetsGoal` gave the status: `checks` then only show what was
   * measured against what was needed, and `unchecked` are the parts only the workload could judge.
   */
  byWorkload?: true;
}

const TIME_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9 };
const NUMBER = String.raw`(\d[\d,]*(?:\.\d+)?)`;
const num = (text: string): number => Number(text.replaceAll(',', ''));

/** Words of a contender name or a subject, lower-cased, quotes and parentheses dropped. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['"`()]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

function occursIn(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

/**
 * The anchor a goal names: a contender name in the text (the longest), else one whose name
 * without its parenthetical is in the text, else the only one starting with the text's first
 * word, else the only anchor there is.
 */
function findAnchor(text: string, w: WorkloadResult): string | undefined {
  const anchors = Object.keys(w.ratios);
  const byLength = (list: string[]) => list.sort((a, b) => b.length - a.length)[0];
  const exact = anchors.filter((a) => occursIn(text, a.toLowerCase()));
  if (exact.length > 0) return byLength(exact);
  const stripped = anchors.filter((a) =>
    occursIn(text, a.replace(/\s*\([^)]*\)/g, '').toLowerCase()),
  );
  if (stripped.length > 0) return byLength(stripped);
  const first = words(text).find((word) => !['the', 'a', 'an'].includes(word));
  const prefixed = anchors.filter((a) => first !== undefined && words(a)[0] === first);
  if (prefixed.length === 1) return prefixed[0];
  return anchors.length === 1 ? anchors[0] : undefined;
}

function ratioCheck(
  clause: string,
  anchorText: string,
  min: number,
  strict: boolean,
  w: WorkloadResult,
): GoalCheck | undefined {
  const anchor = findAnchor(anchorText, w);
  const ratio = anchor === undefined ? undefined : w.ratios[anchor];
  if (anchor === undefined || ratio === undefined || !Number.isFinite(ratio)) return undefined;
  return {
    clause,
    met: strict ? ratio > min : ratio >= min,
    // Two decimals, so a miss never reads like the bound itself (19.97×, not 20.0×).
    actual: `${ratio.toFixed(2)}× ${anchor}`,
    needed: `${strict ? '>' : '≥'} ${Number(min.toFixed(2))}×`,
  };
}

/** `at least 3x opossum`, `within 10% of lru-cache`, `beats plain LRU`, … */
function parseRatioClause(clause: string, w: WorkloadResult): GoalCheck | undefined | null {
  const rules: [RegExp, (m: RegExpExecArray) => [number, boolean]][] = [
    [/\bat least as (?:fast|good|quick) as (.+)$/, () => [1, false]],
    [
      new RegExp(
        String.raw`(?:\bat least|≥|>=)?\s*${NUMBER}\s*[x×](?:\s+(?:faster than|better than|as fast as|the))?\s+(.+)$`,
      ),
      (m) => [num(m[1]!), false],
    ],
    [new RegExp(String.raw`\bwithin ${NUMBER}\s*% of (.+)$`), (m) => [1 - num(m[1]!) / 100, false]],
    [
      new RegExp(
        String.raw`\bat most ${NUMBER}\s*% (?:slower than|overhead(?: over| vs\.?)?)(.*)$`,
      ),
      (m) => [1 / (1 + num(m[1]!) / 100), false],
    ],
    [new RegExp(String.raw`\bratio\s*(?:>=|≥)\s*${NUMBER}\s*[x×]?()$`), (m) => [num(m[1]!), false]],
    [/\b(?:beats|outperforms|(?:is )?faster than|(?:is )?better than) (.+)$/, () => [1, true]],
  ];
  for (const [pattern, bound] of rules) {
    const m = pattern.exec(clause);
    if (!m) continue;
    const subject = clause.slice(0, m.index).trim();
    // A subject naming another contender ("cached dispatch faster …") is not about ours.
    if (subject && namedContender(subject, w) !== w.ours && namedContender(subject, w)) return null;
    const [min, strict] = bound(m);
    return ratioCheck(clause, m[m.length - 1] ?? '', min, strict, w) ?? null;
  }
  return undefined;
}

/** The contender whose name holds every word of `subject`, when exactly one does. */
function namedContender(subject: string, w: WorkloadResult): string | undefined {
  const wanted = words(subject);
  const found = Object.keys(w.results).filter((name) => {
    const have = words(name);
    return wanted.every((word) => have.includes(word));
  });
  return found.length === 1 ? found[0] : undefined;
}

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '≤': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '≥': (a, b) => a >= b,
};
const COMPARATOR_WORDS: [RegExp, string][] = [
  [/^(?:under|below|less than|<)$/, '<'],
  [/^(?:at most|no more than|≤|<=)$/, '≤'],
  [/^(?:over|above|more than|>)$/, '>'],
  [/^(?:at least|≥|>=)$/, '≥'],
];

/** `under 10 µs per step`, `p99 hit latency under 50 µs`, `at most 10`, `under 500 ms`, … */
function parseAbsoluteClause(clause: string, w: WorkloadResult): GoalCheck | undefined | null {
  const m = new RegExp(
    String.raw`^(.*?)\s*(under|below|less than|at most|no more than|over|above|more than|at least|<=|>=|[<>≤≥])\s*${NUMBER}\s*([^\s\d][^\s]*)?(?:\s+per\s+\S+)?$`,
  ).exec(clause);
  if (!m) return undefined;
  const [, subjectText = '', word = '', amount = '', unit] = m;
  const op = COMPARATOR_WORDS.find(([re]) => re.test(word))?.[1];
  if (!op) return undefined;
  const limit = num(amount);

  let contender = w.ours;
  let percentile: 'p50Ns' | 'p99Ns' | undefined;
  const subject = subjectText.trim();
  const pct = /^(p50|p99)\b(?:.*\blatency)?$/.exec(subject);
  if (pct) percentile = pct[1] === 'p50' ? 'p50Ns' : 'p99Ns';
  else if (subject) {
    const named = namedContender(subject, w);
    if (!named) return null;
    contender = named;
  }
  const r = w.results[contender];
  if (!r) return null;

  const goalNs = unit === undefined ? undefined : TIME_NS[unit];
  const unitNs = TIME_NS[w.unit.split('/')[0] ?? ''];
  let actual: number | undefined;
  let limitInUnit = limit;
  let show: (value: number) => string = (value) => formatValue(value, w.unit);
  if (percentile || (goalNs !== undefined && w.unit === 'ops/s')) {
    if (goalNs === undefined) return null;
    actual = percentile ? r[percentile] : r.meanNs;
    limitInUnit = limit * goalNs;
    show = formatNs;
  } else if (goalNs !== undefined) {
    if (unitNs === undefined) return null;
    actual = r.value;
    limitInUnit = (limit * goalNs) / unitNs;
  } else if (unit === undefined || unit === '%' || words(w.unit)[0] === unit) {
    actual = r.value;
  } else {
    return null;
  }
  if (actual === undefined || !Number.isFinite(actual)) return null;
  return {
    clause,
    met: COMPARATORS[op]!(actual, limitInUnit),
    actual: `${show(actual)}${contender === w.ours ? '' : ` (${contender})`}`,
    needed: `${op} ${show(limitInUnit)}`,
  };
}

/**
 * A goal's parts: split at `,`, `;` and ` and `, except inside parentheses and inside any of
 * `names` (contender names such as `bare SDK 2 server, 1 ms tool`, matched case-insensitively).
 */
export function goalClauses(goal: string, names: readonly string[] = []): string[] {
  const clauses: string[] = [];
  const kept = keptRanges(goal, names);
  let depth = 0;
  let current = '';
  for (let i = 0; i < goal.length; i++) {
    const c = goal[i]!;
    if (c === '(') depth++;
    if (c === ')') depth = Math.max(0, depth - 1);
    const inName = kept.some(([from, to]) => i >= from && i < to);
    const and = depth === 0 && !inName && /^\sand\s/.test(goal.slice(i, i + 5));
    if (depth === 0 && !inName && (c === ',' || c === ';' || and)) {
      clauses.push(current);
      current = '';
      if (and) i += 3;
      continue;
    }
    current += c;
  }
  clauses.push(current);
  return clauses.map((c) => c.trim()).filter(Boolean);
}

/** Where the names holding a separator (`,`, `;`, ` and `) occur in `goal`: [from, to) pairs. */
function keptRanges(goal: string, names: readonly string[]): [number, number][] {
  const ranges: [number, number][] = [];
  const lower = goal.toLowerCase();
  // A name as given, and without its parenthetical ("bare server, echo (the floor)").
  const spellings = names.flatMap((name) => [name, name.replace(/\s*\([^)]*\)/g, '')]);
  for (const name of spellings) {
    if (!/[,;]|\sand\s/.test(name)) continue;
    const wanted = name.toLowerCase();
    for (let at = lower.indexOf(wanted); at !== -1; at = lower.indexOf(wanted, at + 1)) {
      ranges.push([at, at + wanted.length]);
    }
  }
  return ranges;
}

/**
 * Checks a workload's goal against its figures; undefined when it has no goal. A workload's own
 * `meetsGoal` verdict decides the status; the parts the harness can read are still checked, so a
 * miss says what was measured against what was needed.
 */
export function checkGoal(w: WorkloadResult): GoalVerdict | undefined {
  if (!w.goal) {
    if (w.goalMet === undefined) return undefined;
    return { status: w.goalMet ? 'met' : 'missed', checks: [], unchecked: [], byWorkload: true };
  }
  const verdict = readGoal(w, w.goal);
  if (w.goalMet === undefined) return verdict;
  return { ...verdict, status: w.goalMet ? 'met' : 'missed', byWorkload: true };
}

function readGoal(w: WorkloadResult, goal: string): GoalVerdict {
  const verdict: GoalVerdict = { status: 'met', checks: [], unchecked: [] };
  for (const clause of goalClauses(goal, Object.keys(w.results))) {
    // Parentheticals explain ("(ratio >= 0.83×)", "(TinyLFU admission)"); the check is the rest.
    const text = clause
      .replace(/\s*\([^)]*\)/g, '')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .trim();
    const ratio = parseRatioClause(text, w);
    const check = ratio === undefined ? parseAbsoluteClause(text, w) : ratio;
    if (check) verdict.checks.push({ ...check, clause });
    else verdict.unchecked.push(clause);
  }
  if (verdict.checks.some((c) => !c.met)) verdict.status = 'missed';
  else if (verdict.unchecked.length > 0) verdict.status = 'unchecked';
  return verdict;
}

// What a conformance run (scripts/conformance.mjs) concludes from the suite's checks: the
// scenario × target table, and the problems that fail the run. The list of scenarios x-server is
// known to fail, with the missing features, is here too.

/** Why scenarios fail through x-server: a feature of issue 14 not there yet, or a known bug. */
export const MISSING = {
  'progress-race':
    "intermittent: the SDK 2 client runs notification handlers a microtask late but responses at once, so a peer's last progress sent just before its result (one stdio read) finds its handler gone and is dropped",
};
/** Features whose failures come and go: their entries are never stale, a pass proves nothing. */
export const INTERMITTENT = new Set(['progress-race']);
/**
 * Scenarios x-server is known to fail while the fixture passes them, each with the missing
 * features. Shrink it as the features land: an entry whose scenario passes on every x-server
 * target fails the run (stale entry), unless one of its features is INTERMITTENT.
 */
export const EXPECTED_FAILURES = {};

/** One scenario's checks on one target: passed when none is a FAILURE or a WARNING. */
export function summarize(checks) {
  if (!checks) return { ran: false, passed: false, success: 0, counted: 0, label: 'not run' };
  const count = (status) => checks.filter((check) => check.status === status).length;
  const success = count('SUCCESS');
  const failure = count('FAILURE');
  const warning = count('WARNING');
  const passed = failure === 0 && warning === 0;
  const label = `${passed ? 'ok' : failure > 0 ? 'FAIL' : 'warn'} ${success}/${success + failure}${warning ? ` ${warning}w` : ''}`;
  return { ran: true, passed, success, counted: success + failure, label };
}

/**
 * The table and the problems of one run. `results[target][scenario]` is the suite's checks,
 * `suiteOf[scenario]` `'active'` or `'pending'`; `direct` is the fixture itself, every other
 * target x-server. Problems: the fixture fails an active scenario; x-server fails a scenario the
 * fixture passes that `expected` does not list; a listed scenario passes on every x-server target.
 */
export function verdict({
  targets,
  results,
  suiteOf,
  expected: expectedFailures = EXPECTED_FAILURES,
}) {
  const scenarios = Object.keys(suiteOf).sort((a, b) => suiteOf[a].localeCompare(suiteOf[b]));
  const via = targets.filter((target) => target !== 'direct');
  const problems = [];
  const rows = [['scenario', 'suite', ...targets, 'note']];
  for (const scenario of scenarios) {
    const cells = Object.fromEntries(targets.map((t) => [t, summarize(results[t][scenario])]));
    const expected = expectedFailures[scenario];
    let note = '';
    const direct = cells.direct;
    if (direct && !direct.passed && suiteOf[scenario] === 'active') {
      problems.push(`the fixture fails the active scenario ${scenario}`);
      note = 'FIXTURE FAILS';
    }
    const failing = via.filter((t) => !cells[t].passed);
    if ((!direct || direct.passed) && failing.length > 0) {
      if (expected) note = `expected: ${expected.join(' + ')}`;
      else {
        problems.push(
          `x-server fails ${scenario} (${failing.join(', ')}), which the fixture passes`,
        );
        note = 'REGRESSION';
      }
    }
    const intermittent = expected?.some((feature) => INTERMITTENT.has(feature));
    if (expected && !intermittent && via.length > 0 && failing.length === 0) {
      problems.push(`${scenario} passes through x-server now: remove it from EXPECTED_FAILURES`);
      note = 'STALE expected failure';
    }
    rows.push([scenario, suiteOf[scenario], ...targets.map((t) => cells[t].label), note]);
  }
  // Out of the checks the fixture answers directly: a scenario that breaks off early through
  // x-server reports fewer checks, and those it never reached count as not passed.
  const totals = (suite) =>
    targets.map((t) => {
      const inSuite = scenarios.filter((s) => suiteOf[s] === suite);
      const cells = inSuite.map((s) => summarize(results[t][s]));
      const bases = inSuite.map((s) => summarize(results.direct?.[s]));
      const success = cells.reduce((sum, cell) => sum + cell.success, 0);
      const counted = cells.reduce(
        (sum, cell, i) => sum + Math.max(cell.counted, bases[i].counted),
        0,
      );
      return `${success}/${counted} checks, ${cells.filter((cell) => cell.passed).length}/${inSuite.length} scenarios`;
    });
  rows.push(['total (active)', '', ...totals('active'), '']);
  rows.push(['total (pending)', '', ...totals('pending'), '']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  const missing = new Set(scenarios.flatMap((scenario) => expectedFailures[scenario] ?? []));
  for (const key of missing) lines.push(`${key}: ${MISSING[key] ?? '(unknown feature)'}`);
  for (const problem of problems) lines.push(`not ok - ${problem}`);
  lines.push(
    problems.length === 0 ? 'conformance: ok' : `conformance: ${problems.length} problem(s)`,
  );
  return { lines, problems };
}

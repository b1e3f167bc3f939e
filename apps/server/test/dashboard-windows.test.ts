import { describe, expect, it } from 'vitest';
import type { CallSpan } from '../src/backends/types.js';
import { CallWindows } from '../src/dashboard/index.js';

const span = (tool: string, durationMs: number, ok = true, errorCode?: string): CallSpan => ({
  category: 'cat',
  tool,
  startTimeMs: 0,
  durationMs,
  ok,
  cached: false,
  ...(errorCode ? { errorCode, errorMessage: `${tool} failed` } : {}),
});

function clock(start = 1_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('CallWindows (the dashboard rolling figures)', () => {
  it('gives each tool its calls, rate, error rate and latency quantiles over the window', () => {
    const time = clock();
    const windows = new CallWindows({ now: time.now, windowSeconds: 60, slotSeconds: 1 });
    for (let i = 1; i <= 100; i++) windows.onCall(span('a', i));
    windows.onCall(span('a', 5, false, 'PEER_TIMEOUT'));
    windows.onCall(span('b', 3));

    const { tools, errors } = windows.snapshot();

    expect(tools.map((tool) => tool.name)).toEqual(['cat.a', 'cat.b']);
    const a = tools[0]!;
    expect(a.calls).toBe(101);
    expect(a.rate).toBeCloseTo(10.1);
    expect(a.errorRate).toBeCloseTo(1 / 101, 3);
    // Histogram bins are within 25 % of the true quantile (the bin's upper bound).
    expect(a.p50).toBeGreaterThanOrEqual(50);
    expect(a.p50).toBeLessThanOrEqual(50 * 1.25);
    expect(a.p95).toBeGreaterThanOrEqual(95);
    expect(a.p95).toBeLessThanOrEqual(95 * 1.25);
    expect(a.p99).toBeGreaterThanOrEqual(99);
    expect(a.p99).toBeLessThanOrEqual(100 * 1.25);
    expect(errors).toEqual([
      { atMs: 5, category: 'cat', tool: 'a', code: 'PEER_TIMEOUT', message: 'a failed' },
    ]);
  });

  it('forgets calls older than the window, and the rate covers only the last 10 seconds', () => {
    const time = clock();
    const windows = new CallWindows({ now: time.now, windowSeconds: 60, slotSeconds: 5 });
    windows.onCall(span('old', 1));
    time.advance(30_000);
    windows.onCall(span('new', 1));
    let tools = windows.snapshot().tools;
    expect(tools.find((tool) => tool.name === 'cat.old')).toMatchObject({ calls: 1, rate: 0 });
    expect(tools.find((tool) => tool.name === 'cat.new')).toMatchObject({ calls: 1, rate: 0.1 });

    time.advance(45_000);
    tools = windows.snapshot().tools;
    expect(tools.map((tool) => tool.name)).toEqual(['cat.new']);
    time.advance(60_000);
    expect(windows.snapshot().tools).toEqual([]);
  });

  it('gives the chart one point per slot over the window, oldest first', () => {
    const time = clock(0);
    const windows = new CallWindows({ now: time.now, windowSeconds: 20, slotSeconds: 5 });
    windows.onCall(span('a', 1));
    time.advance(5_000);
    windows.onCall(span('a', 1, false, 'X'));
    windows.onCall(span('a', 1));

    const { series } = windows.snapshot();

    expect(series.calls).toEqual([0, 0, 1, 2]);
    expect(series.errors).toEqual([0, 0, 0, 1]);
    expect(series.startSecond).toBe(-10);
  });

  it('stays bounded whatever the traffic: extra tools fold into (other), errors are a ring', () => {
    const time = clock();
    const windows = new CallWindows({ now: time.now, maxTools: 10, maxErrors: 5 });
    for (let i = 0; i < 50_000; i++) {
      windows.onCall(span(`t${i % 1000}`, i % 200, i % 3 !== 0, 'E'));
      if (i % 100 === 0) time.advance(1_000);
    }

    const { tools, errors } = windows.snapshot();

    expect(tools).toHaveLength(11);
    expect(tools.map((tool) => tool.name)).toContain('(other)');
    // 100 calls a second for 500 s: only the last 300 s (whole 5-second slots) are in the window.
    const inWindow = tools.reduce((sum, tool) => sum + tool.calls, 0);
    expect(inWindow).toBeGreaterThanOrEqual(29_500);
    expect(inWindow).toBeLessThanOrEqual(30_000);
    expect(errors).toHaveLength(5);
  });

  it('gives made-up names one (unknown) row, and frees the rows of tools idle for the window', () => {
    const time = clock();
    const windows = new CallWindows({ now: time.now, maxTools: 2, windowSeconds: 60 });
    windows.onCall({ ...span('nope', 1, false, 'UNKNOWN_TOOL'), category: 'made-up' });
    windows.onCall(span('a', 1));
    expect(windows.snapshot().tools.map((tool) => tool.name)).toEqual(['(unknown)', 'cat.a']);

    time.advance(61_000);
    windows.onCall(span('b', 1));
    // Full, but both rows were idle for the whole window: b gets a row of its own.
    expect(windows.snapshot().tools.map((tool) => tool.name)).toEqual(['cat.b']);
    windows.onCall(span('c', 1));
    windows.onCall(span('d', 1));
    expect(windows.snapshot().tools.map((tool) => tool.name)).toEqual([
      '(other)',
      'cat.b',
      'cat.c',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { CreateBackoff, createRetryDelayMs, defaultCreateRetry } from '../src/backoff.js';

const noJitter = { ...defaultCreateRetry, jitter: 'none' as const };

describe('create backoff', () => {
  it('doubles the wait after each failure up to maxDelayMs', () => {
    const retry = { ...noJitter, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => createRetryDelayMs(n, retry))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('lets the first attempt through at once', () => {
    const backoff = new CreateBackoff(noJitter);
    expect(backoff.waitMs(0)).toBe(0);
  });

  it('makes the next attempt wait after a failure', () => {
    const backoff = new CreateBackoff(noJitter);
    backoff.begin(0);
    expect(backoff.failed(0, new Error('refused'))).toBe(100);
    expect(backoff.waitMs(40)).toBe(60);
    expect(backoff.lastError).toEqual(new Error('refused'));
  });

  it('admits only one attempt per window while failing', () => {
    const backoff = new CreateBackoff(noJitter);
    backoff.failed(0, new Error('refused'));
    backoff.begin(100);
    expect(backoff.waitMs(100)).toBe(100);
  });

  it('forgets failures after a success', () => {
    const backoff = new CreateBackoff(noJitter);
    backoff.failed(0, new Error('refused'));
    backoff.succeeded();
    expect(backoff.waitMs(0)).toBe(0);
    expect(backoff.failures).toBe(0);
    expect(backoff.lastError).toBeUndefined();
  });

  it('draws each wait uniformly between 0 and its cap with full jitter (the default)', () => {
    const wait = (random: number) =>
      new CreateBackoff(defaultCreateRetry, () => random).failed(0, new Error('x'));

    expect(defaultCreateRetry.jitter).toBe('full');
    expect(wait(0)).toBe(0);
    expect(wait(0.5)).toBe(50);
    expect(wait(0.999_999)).toBeCloseTo(100, 3);
  });

  it('waits the cap itself without jitter', () => {
    const backoff = new CreateBackoff(noJitter, () => 0);

    expect(backoff.failed(0, new Error('x'))).toBe(100);
  });

  it('counts failed windows monotonically, through successes', () => {
    const backoff = new CreateBackoff(noJitter);
    backoff.failed(0, new Error('x'));
    backoff.succeeded();
    backoff.failed(0, new Error('y'));

    expect(backoff.failures).toBe(1);
    expect(backoff.failedWindows).toBe(2);
  });

  it('counts attempts that began together and failed together as one failure', () => {
    const backoff = new CreateBackoff(noJitter);
    const tickets = [backoff.begin(0), backoff.begin(0), backoff.begin(0)];

    for (const ticket of tickets) backoff.failed(5, new Error('refused'), ticket);

    expect(backoff.failures).toBe(1);
    expect(backoff.waitMs(5)).toBe(100);
  });
});

import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../src/index.js';
import { backendDown, FakeClock, fail, succeed } from './helpers.js';

describe('events', () => {
  it('reports successes with their duration', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ clock });
    const durations: number[] = [];
    breaker.onSuccess((durationMs) => durations.push(durationMs));

    await breaker.execute(async () => {
      clock.advance(25);
    });

    expect(durations).toEqual([25]);
  });

  it('reports counted failures with the error and the duration', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ clock });
    const failures: Array<[unknown, number]> = [];
    breaker.onFailure((error, durationMs) => failures.push([error, durationMs]));

    await breaker
      .execute(async () => {
        clock.advance(7);
        throw backendDown;
      })
      .catch(() => undefined);

    expect(failures).toEqual([[backendDown, 7]]);
  });

  it('gives state-change listeners the new and the previous state', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({ failureThreshold: 1, recoveryTimeout: 10, clock });
    const changes: Array<[CircuitState, CircuitState]> = [];
    breaker.onStateChange((next, previous) => changes.push([next, previous]));

    await fail(breaker);

    expect(changes).toEqual([
      [{ name: 'open', openedAt: 0, retryAt: 10, reopenCount: 0 }, { name: 'closed' }],
    ]);
  });

  it('stops calling a listener once disposed, and disposing twice is harmless', async () => {
    const breaker = new CircuitBreaker({ clock: new FakeClock() });
    let calls = 0;
    const dispose = breaker.onSuccess(() => calls++);
    await succeed(breaker);

    dispose();
    dispose();
    await succeed(breaker);

    expect(calls).toBe(1);
  });

  it('keeps counting when a listener throws', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock: new FakeClock() });
    const uncaught: unknown[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (task) => {
      try {
        task();
      } catch (error) {
        uncaught.push(error);
      }
    };
    try {
      breaker.onFailure(() => {
        throw new Error('listener bug');
      });

      await fail(breaker);
    } finally {
      globalThis.queueMicrotask = original;
    }

    expect(breaker.state).toBe('open');
    expect(uncaught).toEqual([new Error('listener bug')]);
  });
});

describe('stats', () => {
  it('counts every outcome as plain numbers', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      failureThreshold: 2,
      isFailure: (error) => error !== 'ignored',
      clock,
    });

    await succeed(breaker);
    await breaker.execute(() => Promise.reject('ignored')).catch(() => undefined);
    await fail(breaker);
    await fail(breaker);
    await succeed(breaker).catch(() => undefined);

    expect(breaker.stats()).toEqual({
      calls: 4,
      successes: 1,
      failures: 2,
      ignoredErrors: 1,
      rejections: 1,
      timeouts: 0,
      slowCalls: 0,
      opens: 1,
      halfOpenProbesInFlight: 0,
      windowCalls: 0,
      windowFailures: 0,
      windowSlowCalls: 0,
    });
  });

  it('reports the consecutive failures so far as the window', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 5, clock: new FakeClock() });

    await fail(breaker);
    await fail(breaker);

    expect(breaker.stats()).toMatchObject({ windowCalls: 2, windowFailures: 2 });
  });
});

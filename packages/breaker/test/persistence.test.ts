import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerJSON,
  type CircuitBreakerOptions,
} from '../src/index.js';
import { FakeClock, fail, succeed } from './helpers.js';

/** Saves a breaker as JSON text, the way it would go to a file or Redis, and restores it. */
function roundTrip(breaker: CircuitBreaker, options: CircuitBreakerOptions): CircuitBreaker {
  const saved = JSON.parse(JSON.stringify(breaker)) as CircuitBreakerJSON;
  return new CircuitBreaker({ ...options, initialState: saved });
}

describe('toJSON and initialState', () => {
  it('restores an open circuit that rejects until the same time', async () => {
    const clock = new FakeClock(0);
    const options = { failureThreshold: 1, recoveryTimeout: 1_000, clock };
    const original = new CircuitBreaker(options);
    await fail(original);

    const restored = roundTrip(original, options);
    const whileOpen = await restored.execute(async () => 'x').catch((e: unknown) => e);
    clock.advance(1_000);

    expect(whileOpen).toMatchObject({ code: 'ERR_BREAKER_OPEN', retryAt: 1_000 });
    expect(restored.state).toBe('half-open');
  });

  it('behaves as the saved breaker would when restored later, on a clock that moved on', async () => {
    const changesOf = (breaker: CircuitBreaker) => {
      const changes: string[] = [];
      breaker.onStateChange((next, previous) => changes.push(`${previous.name}>${next.name}`));
      return changes;
    };
    const delays: number[] = [];
    const options = {
      failureThreshold: 1,
      recoveryTimeout: (reopenCount: number) => {
        delays.push(reopenCount);
        return 1_000 * 2 ** reopenCount;
      },
    };
    const savedClock = new FakeClock(0);
    const original = new CircuitBreaker({ ...options, clock: savedClock });
    await fail(original);
    const saved = JSON.stringify(original);
    const laterClock = new FakeClock(5_000);
    const restored = new CircuitBreaker({
      ...options,
      clock: laterClock,
      initialState: JSON.parse(saved) as CircuitBreakerJSON,
    });
    savedClock.advance(5_000);
    const originalChanges = changesOf(original);
    const restoredChanges = changesOf(restored);

    await fail(original);
    await fail(restored);

    expect(restoredChanges).toEqual(['open>half-open', 'half-open>open']);
    expect(restoredChanges).toEqual(originalChanges);
    expect(restored.circuitState).toEqual(original.circuitState);
    expect(restored.circuitState).toMatchObject({ reopenCount: 1, retryAt: 7_000 });
    // Each breaker also checks recoveryTimeout(0) once when it is built.
    expect(delays).toEqual([0, 0, 0, 1, 1]);
  });

  it('keeps the consecutive failure count', async () => {
    const clock = new FakeClock();
    const options = { failureThreshold: 3, clock };
    const original = new CircuitBreaker(options);
    await fail(original);
    await fail(original);

    const restored = roundTrip(original, options);
    await fail(restored);

    expect(restored.state).toBe('open');
  });

  it('keeps the contents of a count window in order', async () => {
    const clock = new FakeClock();
    const options: CircuitBreakerOptions = {
      window: { type: 'count', size: 3, failureRateThreshold: 0.6 },
      clock,
    };
    const original = new CircuitBreaker(options);
    await fail(original);
    await succeed(original);
    await succeed(original);
    await fail(original);

    const restored = roundTrip(original, options);
    const before = restored.stats();
    await fail(restored);

    expect(before).toMatchObject({ windowCalls: 3, windowFailures: 1 });
    expect(restored.state).toBe('open');
  });

  it('keeps the contents of a time window, which still expire on time', async () => {
    const clock = new FakeClock();
    const options: CircuitBreakerOptions = {
      window: { type: 'time', durationMs: 10_000, minimumCalls: 5 },
      clock,
    };
    const original = new CircuitBreaker(options);
    await fail(original);
    clock.advance(5_000);
    await succeed(original);

    const restored = roundTrip(original, options);
    const before = restored.stats();
    clock.advance(5_000);

    expect(before).toMatchObject({ windowCalls: 2, windowFailures: 1 });
    expect(restored.stats()).toMatchObject({ windowCalls: 1, windowFailures: 0 });
  });

  it('saves a time-window breaker that has seen no calls', () => {
    const options: CircuitBreakerOptions = {
      window: { type: 'time', durationMs: 1_000 },
      clock: new FakeClock(),
    };
    const original = new CircuitBreaker(options);

    const restored = roundTrip(original, options);

    expect(original.toJSON().window).toEqual({
      type: 'time',
      durationMs: 1_000,
      buckets: 10,
      entries: [],
    });
    expect(restored.stats().windowCalls).toBe(0);
  });

  it('starts with an empty window when the window options changed', async () => {
    const clock = new FakeClock();
    const original = new CircuitBreaker({ window: { type: 'count', size: 3 }, clock });
    await fail(original);

    const restored = roundTrip(original, { window: { type: 'count', size: 5 }, clock });

    expect(restored.stats().windowCalls).toBe(0);
  });

  it.each(['disabled', 'forced-open'] as const)('restores the %s state set by hand', (name) => {
    const original = new CircuitBreaker({ clock: new FakeClock() });
    if (name === 'disabled') original.disable();
    else original.forceOpen();

    const restored = roundTrip(original, { clock: new FakeClock() });

    expect(restored.state).toBe(name);
  });

  it('restores half-open with every probe slot free', async () => {
    const clock = new FakeClock();
    const options = { failureThreshold: 1, recoveryTimeout: 0, clock };
    const original = new CircuitBreaker(options);
    await fail(original);
    void original.state;

    const restored = roundTrip(original, options);
    await succeed(restored);

    expect(restored.state).toBe('closed');
  });

  it.each([
    ['not an object', 42],
    ['an unknown version', { version: 2, state: { name: 'closed' }, window: {} }],
    ['an unknown state', { version: 1, state: { name: 'ajar' }, window: {} }],
    ['missing its window', { version: 1, state: { name: 'closed' } }],
    [
      'a time window whose counts are not numbers',
      {
        version: 1,
        state: { name: 'closed' },
        window: {
          type: 'time',
          durationMs: 10_000,
          buckets: 10,
          entries: [{ bucket: 1, calls: '3', failures: 1, slowCalls: 0 }],
        },
      },
    ],
    [
      'a time window with more failures than calls',
      {
        version: 1,
        state: { name: 'closed' },
        window: {
          type: 'time',
          durationMs: 10_000,
          buckets: 10,
          entries: [{ bucket: 1, calls: 1, failures: 2, slowCalls: 0 }],
        },
      },
    ],
    [
      'a count window with an unknown outcome',
      { version: 1, state: { name: 'closed' }, window: { type: 'count', size: 3, outcomes: [7] } },
    ],
    [
      'a consecutive count that is negative',
      { version: 1, state: { name: 'closed' }, window: { type: 'consecutive', failures: -1 } },
    ],
    [
      'an open state without retryAt',
      { version: 1, state: { name: 'open', openedAt: 0, reopenCount: 0 }, window: {} },
    ],
  ])('throws a TypeError for an initialState that is %s', (_, initialState) => {
    const create = () =>
      new CircuitBreaker({ initialState: initialState as unknown as CircuitBreakerJSON });

    expect(create).toThrow(TypeError);
    expect(create).toThrow(/initialState/);
  });
});

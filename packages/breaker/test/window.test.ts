import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type WindowOptions } from '../src/index.js';
import { FakeClock, fail, succeed } from './helpers.js';

function windowBreaker(window: WindowOptions, slowCallMs?: number) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({
    window,
    clock,
    ...(slowCallMs === undefined ? {} : { slowCallMs }),
  });
  return { breaker, clock };
}

async function slowCall(breaker: CircuitBreaker, clock: FakeClock, ms: number) {
  await breaker.execute(async () => {
    clock.advance(ms);
  });
}

describe('count window', () => {
  it('opens when the failure rate reaches the threshold', async () => {
    const { breaker } = windowBreaker({ type: 'count', size: 4, failureRateThreshold: 0.5 });

    await succeed(breaker);
    await succeed(breaker);
    await fail(breaker);
    const beforeLast = breaker.state;
    await fail(breaker);

    expect(beforeLast).toBe('closed');
    expect(breaker.state).toBe('open');
  });

  it('does not judge the rate before minimumCalls calls', async () => {
    const { breaker } = windowBreaker({ type: 'count', size: 10, minimumCalls: 4 });

    await fail(breaker);
    await fail(breaker);
    await fail(breaker);
    const beforeMinimum = breaker.state;
    await fail(breaker);

    expect(beforeMinimum).toBe('closed');
    expect(breaker.state).toBe('open');
  });

  it('forgets the oldest call once the window is full', async () => {
    const { breaker } = windowBreaker({ type: 'count', size: 3, failureRateThreshold: 0.6 });

    await fail(breaker);
    await succeed(breaker);
    await succeed(breaker);
    await succeed(breaker);
    await fail(breaker);

    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ windowCalls: 3, windowFailures: 1 });
  });

  it('opens on the slow-call rate even when every call succeeds', async () => {
    const { breaker, clock } = windowBreaker(
      { type: 'count', size: 4, slowCallRateThreshold: 0.5 },
      100,
    );

    await slowCall(breaker, clock, 10);
    await slowCall(breaker, clock, 10);
    await slowCall(breaker, clock, 100);
    await slowCall(breaker, clock, 250);

    expect(breaker.state).toBe('open');
    expect(breaker.stats()).toMatchObject({ slowCalls: 2, failures: 0 });
  });

  it('does not count calls faster than slowCallMs as slow', async () => {
    const { breaker, clock } = windowBreaker(
      { type: 'count', size: 2, slowCallRateThreshold: 0.5 },
      100,
    );

    await slowCall(breaker, clock, 99);
    await slowCall(breaker, clock, 99);

    expect(breaker.state).toBe('closed');
    expect(breaker.stats().slowCalls).toBe(0);
  });

  it('starts empty again after the circuit closes', async () => {
    const { breaker, clock } = windowBreaker({ type: 'count', size: 2 });
    await fail(breaker);
    await fail(breaker);
    clock.advance(60_000);
    await succeed(breaker);

    await fail(breaker);

    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ windowCalls: 1, windowFailures: 1 });
  });
});

describe('time window', () => {
  const window: WindowOptions = {
    type: 'time',
    durationMs: 10_000,
    buckets: 10,
    minimumCalls: 3,
    failureRateThreshold: 0.5,
  };

  it('opens when the failure rate within the duration reaches the threshold', async () => {
    const { breaker, clock } = windowBreaker(window);

    await fail(breaker);
    clock.advance(3_000);
    await succeed(breaker);
    clock.advance(3_000);
    await fail(breaker);

    expect(breaker.state).toBe('open');
  });

  it('lets calls older than the duration expire', async () => {
    const { breaker, clock } = windowBreaker(window);
    await fail(breaker);
    await fail(breaker);
    clock.advance(10_000);

    await fail(breaker);

    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ windowCalls: 1, windowFailures: 1 });
  });

  it('expires calls one bucket at a time', async () => {
    const { breaker, clock } = windowBreaker(window);
    await fail(breaker);
    clock.advance(5_000);
    await succeed(breaker);

    clock.advance(5_000);
    const afterFirstExpired = breaker.stats();

    expect(afterFirstExpired).toMatchObject({ windowCalls: 1, windowFailures: 0 });
  });

  it('counts slow calls toward the slow-call rate', async () => {
    const { breaker, clock } = windowBreaker(
      { type: 'time', durationMs: 1_000, minimumCalls: 2, slowCallRateThreshold: 1 },
      50,
    );

    await slowCall(breaker, clock, 60);
    await slowCall(breaker, clock, 60);

    expect(breaker.state).toBe('open');
  });
});

describe('consecutive failures with slowCallMs', () => {
  it('counts a slow success as a failure', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, slowCallMs: 100, clock });

    await fail(breaker);
    await slowCall(breaker, clock, 200);

    expect(breaker.state).toBe('open');
  });
});

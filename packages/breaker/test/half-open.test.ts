import { describe, expect, it } from 'vitest';
import { BrokenCircuitError, CircuitBreaker, type CircuitBreakerOptions } from '../src/index.js';
import { deferred, FakeClock, fail } from './helpers.js';

async function halfOpenBreaker(
  halfOpenMaxCalls: number,
  isFailure?: (e: unknown) => boolean,
  options: CircuitBreakerOptions = {},
) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({
    failureThreshold: 1,
    recoveryTimeout: 1_000,
    halfOpenMaxCalls,
    clock,
    ...(isFailure ? { isFailure } : {}),
    ...options,
  });
  await fail(breaker);
  clock.advance(1_000);
  return { breaker, clock };
}

describe('half-open', () => {
  it('admits at most halfOpenMaxCalls probes and rejects the others at once', async () => {
    const { breaker } = await halfOpenBreaker(2);
    const first = deferred();
    const second = deferred();

    const probes = [breaker.execute(() => first.promise), breaker.execute(() => second.promise)];
    const third = breaker.execute(async () => 'never runs');

    await expect(third).rejects.toMatchObject({ state: 'half-open', retryAt: undefined });
    expect(breaker.stats().halfOpenProbesInFlight).toBe(2);
    first.resolve('a');
    second.resolve('b');
    await expect(Promise.all(probes)).resolves.toEqual(['a', 'b']);
  });

  it('closes only when every probe has succeeded', async () => {
    const { breaker } = await halfOpenBreaker(2);
    const first = deferred();
    const second = deferred();
    const probes = [breaker.execute(() => first.promise), breaker.execute(() => second.promise)];

    first.resolve('a');
    await probes[0];
    const afterOne = breaker.state;
    second.resolve('b');
    await probes[1];

    expect(afterOne).toBe('half-open');
    expect(breaker.state).toBe('closed');
  });

  it('admits a further probe after one succeeded, up to the limit', async () => {
    const { breaker } = await halfOpenBreaker(2);

    await breaker.execute(async () => 'a');
    const value = await breaker.execute(async () => 'b');

    expect(value).toBe('b');
    expect(breaker.state).toBe('closed');
  });

  it('re-opens on the first failed probe and ignores the late result of the others', async () => {
    const { breaker } = await halfOpenBreaker(2);
    const first = deferred();
    const second = deferred();
    const probes = [breaker.execute(() => first.promise), breaker.execute(() => second.promise)];

    first.reject(new Error('still down'));
    await probes[0]!.catch(() => undefined);
    second.resolve('late');
    await probes[1];

    expect(breaker.circuitState).toMatchObject({ name: 'open', reopenCount: 1 });
  });

  it('frees the probe slot of an error that does not count', async () => {
    const { breaker } = await halfOpenBreaker(1, (error) => error !== 'not-found');

    await breaker.execute(() => Promise.reject('not-found')).catch(() => undefined);
    const value = await breaker.execute(async () => 'up');

    expect(value).toBe('up');
    expect(breaker.state).toBe('closed');
  });

  it('counts a rejected probe attempt in stats and events', async () => {
    const { breaker } = await halfOpenBreaker(1);
    const rejected: BrokenCircuitError[] = [];
    breaker.onRejected((error) => rejected.push(error));
    const probe = deferred();
    const running = breaker.execute(() => probe.promise);

    await breaker.execute(async () => 'x').catch(() => undefined);
    probe.resolve('ok');
    await running;

    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(BrokenCircuitError);
    expect(breaker.stats().rejections).toBe(1);
  });

  it('does not count a probe that settles after the circuit was reset by hand', async () => {
    const { breaker } = await halfOpenBreaker(1);
    const probe = deferred();
    const running = breaker.execute(() => probe.promise);

    breaker.reset();
    probe.reject(new Error('late failure'));
    await running.catch(() => undefined);

    expect(breaker.state).toBe('closed');
  });

  it('treats a slow probe as a failed one', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      recoveryTimeout: 1_000,
      slowCallMs: 100,
      clock,
    });
    await fail(breaker);
    clock.advance(1_000);

    await breaker.execute(async () => {
      clock.advance(150);
      return 'slow';
    });

    expect(breaker.state).toBe('open');
  });
});

describe('half-open with a probe that never settles', () => {
  it('keeps rejecting while the probe is in flight, up to halfOpenMaxWaitMs', async () => {
    const { breaker, clock } = await halfOpenBreaker(1, undefined, { halfOpenMaxWaitMs: 5_000 });
    void breaker.execute(() => new Promise(() => {}));

    clock.advance(4_999);
    const rejection = await breaker.execute(async () => 'x').catch((error: unknown) => error);

    expect(rejection).toMatchObject({ state: 'half-open' });
    expect(breaker.state).toBe('half-open');
  });

  it('re-opens on the next call once halfOpenMaxWaitMs has passed, as a failed probe would', async () => {
    const { breaker, clock } = await halfOpenBreaker(1, undefined, { halfOpenMaxWaitMs: 5_000 });
    const changes: string[] = [];
    breaker.onStateChange((next, previous) => changes.push(`${previous.name}>${next.name}`));
    void breaker.execute(() => new Promise(() => {}));

    clock.advance(5_000);
    const rejection = await breaker.execute(async () => 'x').catch((error: unknown) => error);

    expect(rejection).toMatchObject({ state: 'open', retryAt: clock.now() + 1_000 });
    expect(changes).toEqual(['open>half-open', 'half-open>open']);
    expect(breaker.circuitState).toMatchObject({ name: 'open', reopenCount: 1 });
    expect(breaker.stats()).toMatchObject({ opens: 2, halfOpenProbesInFlight: 0 });
  });

  it('re-opens when state is read once halfOpenMaxWaitMs has passed', async () => {
    const { breaker, clock } = await halfOpenBreaker(1, undefined, { halfOpenMaxWaitMs: 5_000 });
    void breaker.execute(() => new Promise(() => {}));

    clock.advance(5_000);

    expect(breaker.state).toBe('open');
  });

  it('waits 60 s by default', async () => {
    const { breaker, clock } = await halfOpenBreaker(1);
    void breaker.execute(() => new Promise(() => {}));

    clock.advance(59_999);
    const before = breaker.state;
    clock.advance(1);

    expect(before).toBe('half-open');
    expect(breaker.state).toBe('open');
  });

  it('waits at least the timeout by default, so a timed probe is never cut short', async () => {
    const { breaker, clock } = await halfOpenBreaker(1, undefined, { timeout: 90_000 });
    const probe = breaker.execute(() => new Promise(() => {}));

    clock.advance(60_000);
    const before = breaker.state;
    clock.advance(30_000);
    await probe.catch(() => undefined);

    expect(before).toBe('half-open');
    expect(breaker.circuitState).toMatchObject({ name: 'open', reopenCount: 1 });
  });

  it('recovers after the re-open and ignores the stuck probe when it finally settles', async () => {
    const { breaker, clock } = await halfOpenBreaker(1, undefined, { halfOpenMaxWaitMs: 5_000 });
    const stuck = deferred();
    const stuckCall = breaker.execute(() => stuck.promise);
    clock.advance(5_000);
    void breaker.state;

    clock.advance(1_000);
    await breaker.execute(async () => 'up');
    stuck.reject(new Error('finally failed'));
    await stuckCall.catch(() => undefined);

    expect(breaker.state).toBe('closed');
  });

  it('does not re-open an idle half-open circuit whose earlier probe succeeded', async () => {
    const { breaker, clock } = await halfOpenBreaker(2, undefined, { halfOpenMaxWaitMs: 5_000 });
    await breaker.execute(async () => 'first');

    clock.advance(600_000);
    const second = await breaker.execute(async () => 'second');

    expect(second).toBe('second');
    expect(breaker.state).toBe('closed');
  });

  it('waits forever with halfOpenMaxWaitMs: Infinity', async () => {
    const { breaker, clock } = await halfOpenBreaker(1, undefined, {
      halfOpenMaxWaitMs: Number.POSITIVE_INFINITY,
    });
    void breaker.execute(() => new Promise(() => {}));

    clock.advance(10 * 365 * 24 * 3_600_000);

    expect(breaker.state).toBe('half-open');
  });
});

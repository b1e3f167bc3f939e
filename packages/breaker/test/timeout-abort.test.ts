import { describe, expect, it } from 'vitest';
import { BreakerTimeoutError, CircuitBreaker, systemClock } from '../src/index.js';
import { deferred, FakeClock } from './helpers.js';

const never = () => new Promise<never>(() => {});

describe('timeout', () => {
  it('rejects with BreakerTimeoutError when the call outlasts the timeout', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ name: 'slow_api', timeout: 100, clock });

    const call = breaker.execute(never);
    clock.advance(100);

    await expect(call).rejects.toMatchObject({
      name: 'BreakerTimeoutError',
      code: 'ERR_BREAKER_TIMEOUT',
      breakerName: 'slow_api',
      timeoutMs: 100,
    });
  });

  it('aborts the call signal with the BreakerTimeoutError as its reason', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ timeout: 100, clock });
    let seen: AbortSignal | undefined;

    const call = breaker.execute(({ signal }) => {
      seen = signal;
      return never();
    });
    clock.advance(100);
    await call.catch(() => undefined);

    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(BreakerTimeoutError);
  });

  it('counts a timeout as a failure even when isFailure would not', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      timeout: 100,
      failureThreshold: 1,
      isFailure: () => false,
      clock,
    });
    const timeouts: BreakerTimeoutError[] = [];
    breaker.onTimeout((error) => timeouts.push(error));

    const call = breaker.execute(never);
    clock.advance(100);
    await call.catch(() => undefined);

    expect(breaker.state).toBe('open');
    expect(timeouts).toHaveLength(1);
    expect(breaker.stats()).toMatchObject({ timeouts: 1, failures: 1 });
  });

  it('clears the timer when the call settles first', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ timeout: 100, clock });

    const value = await breaker.execute(async () => 'fast');

    expect(value).toBe('fast');
    expect(clock.pendingTimers).toBe(0);
  });

  it('clears the timer when the call throws synchronously', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ timeout: 100, clock });

    const call = breaker.execute(() => {
      throw new Error('sync');
    });

    await expect(call).rejects.toThrow('sync');
    expect(clock.pendingTimers).toBe(0);
  });

  it('sets no timer when no timeout is configured', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ clock });
    const call = deferred();

    const running = breaker.execute(() => call.promise);

    expect(clock.pendingTimers).toBe(0);
    call.resolve('done');
    await running;
  });

  it('lets a per-call timeout override the breaker timeout', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ timeout: 1_000, clock });

    const call = breaker.execute(never, { timeout: 10 });
    clock.advance(10);

    await expect(call).rejects.toMatchObject({ timeoutMs: 10 });
  });

  it('rejects an invalid per-call timeout with a RangeError naming it', async () => {
    const breaker = new CircuitBreaker({ clock: new FakeClock() });

    await expect(breaker.execute(never, { timeout: -1 })).rejects.toThrow(RangeError);
    await expect(breaker.execute(never, { timeout: -1 })).rejects.toThrow(/timeout/);
  });

  it('ignores a result that arrives after the timeout', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ timeout: 100, clock });
    const call = deferred();

    const running = breaker.execute(() => call.promise);
    clock.advance(100);
    await running.catch(() => undefined);
    call.resolve('late');
    await Promise.resolve();

    expect(breaker.stats()).toMatchObject({ successes: 0, failures: 1 });
  });

  it('keeps the process alive while a call is pending: systemClock timers are ref’d', () => {
    const handle = systemClock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;

    const keepsAlive = handle.hasRef();
    systemClock.clearTimeout(handle);

    expect(keepsAlive).toBe(true);
  });

  it('sets one timer for a pending call and none once it timed out', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ timeout: 100, clock });

    const call = breaker.execute(never);
    const pending = clock.pendingTimers;
    clock.advance(100);
    await call.catch(() => undefined);

    expect(pending).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('abort', () => {
  it('rejects without running the call when the signal is already aborted', async () => {
    const breaker = new CircuitBreaker({ clock: new FakeClock() });
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    let ran = false;

    const call = breaker.execute(
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );

    await expect(call).rejects.toThrow('caller gave up');
    expect(ran).toBe(false);
  });

  it('passes the caller signal to the call', async () => {
    const breaker = new CircuitBreaker({ clock: new FakeClock() });
    const controller = new AbortController();

    const seen = await breaker.execute(async ({ signal }) => signal, {
      signal: controller.signal,
    });

    expect(seen).toBe(controller.signal);
  });

  it('forwards the caller abort to the call signal when a timeout is set', async () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ timeout: 1_000, clock });
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const running = breaker.execute(
      ({ signal }) => {
        seen = signal;
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
      },
      { signal: controller.signal },
    );

    controller.abort(new Error('stop'));

    await expect(running).rejects.toThrow('stop');
    expect(seen?.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not count an error that follows the caller’s abort', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock: new FakeClock() });
    const controller = new AbortController();
    const running = breaker.execute(
      ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      { signal: controller.signal },
    );

    controller.abort();
    await running.catch(() => undefined);

    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ failures: 0, ignoredErrors: 1 });
  });

  it('gives calls without a signal one that never aborts', async () => {
    const breaker = new CircuitBreaker({ clock: new FakeClock() });

    const signal = await breaker.execute(async (context) => context.signal);

    expect(signal.aborted).toBe(false);
  });
});

describe('isFailure', () => {
  it('rejects with an uncounted error but leaves the circuit closed', async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      isFailure: (error) => !(error instanceof RangeError),
      clock: new FakeClock(),
    });

    const call = breaker.execute(() => Promise.reject(new RangeError('bad input')));

    await expect(call).rejects.toThrow('bad input');
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ failures: 0, ignoredErrors: 1 });
  });

  it('counts errors that isFailure accepts', async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      isFailure: (error) => !(error instanceof RangeError),
      clock: new FakeClock(),
    });

    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);

    expect(breaker.state).toBe('open');
  });
});

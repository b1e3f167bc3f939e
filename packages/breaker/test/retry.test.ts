import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrokenCircuitError, CircuitBreaker, type RetryEvent, retry } from '../src/index.js';
import { seededRandom } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A function that fails `failures` times, then returns 'ok'. */
function flaky(failures: number) {
  let calls = 0;
  const fn = vi.fn(async () => {
    calls++;
    if (calls <= failures) throw new Error(`failure ${calls}`);
    return 'ok';
  });
  return fn;
}

describe('retry', () => {
  it('returns the first success', async () => {
    const fn = flaky(2);

    const result = retry(fn, { maxAttempts: 3, jitter: 'none', baseDelayMs: 10 });
    await vi.advanceTimersByTimeAsync(30);

    await expect(result).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('rejects with the last error when the attempts run out', async () => {
    const fn = flaky(5);

    const result = retry(fn, { maxAttempts: 3, jitter: 'none', baseDelayMs: 10 });
    const settled = expect(result).rejects.toThrow('failure 3');
    await vi.advanceTimersByTimeAsync(30);

    await settled;
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('waits exponentially growing delays capped by maxDelayMs without jitter', async () => {
    const events: RetryEvent[] = [];

    const result = retry(flaky(4), {
      maxAttempts: 5,
      baseDelayMs: 100,
      multiplier: 3,
      maxDelayMs: 1_000,
      jitter: 'none',
      onRetry: (event) => events.push(event),
    });
    await vi.advanceTimersByTimeAsync(100 + 300 + 900 + 1_000);

    await expect(result).resolves.toBe('ok');
    expect(events.map((e) => e.delayMs)).toEqual([100, 300, 900, 1_000]);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('draws full-jitter delays between 0 and the cap from the random source', async () => {
    const random = seededRandom(42);
    const expected = [100, 200, 400].map((cap) => random() * cap);
    const events: RetryEvent[] = [];

    const result = retry(flaky(3), {
      maxAttempts: 4,
      baseDelayMs: 100,
      random: seededRandom(42),
      onRetry: (event) => events.push(event),
    });
    await vi.advanceTimersByTimeAsync(700);

    await expect(result).resolves.toBe('ok');
    expect(events.map((e) => e.delayMs)).toEqual(expected);
  });

  it('does not start the next attempt before the delay has passed', async () => {
    const fn = flaky(1);

    const result = retry(fn, { baseDelayMs: 100, jitter: 'none' });
    await vi.advanceTimersByTimeAsync(99);
    const callsBefore = fn.mock.calls.length;
    await vi.advanceTimersByTimeAsync(1);

    await expect(result).resolves.toBe('ok');
    expect(callsBefore).toBe(1);
  });

  it('stops at once when retryOn says an error is not worth retrying', async () => {
    const fn = flaky(5);

    const result = retry(fn, { retryOn: (error) => !String(error).includes('failure 1') });

    await expect(result).rejects.toThrow('failure 1');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('never retries a BrokenCircuitError by default, whatever retryOn says', async () => {
    const breaker = new CircuitBreaker({ name: 'api' });
    breaker.forceOpen();
    const fn = vi.fn(() => breaker.execute(async () => 'ok'));

    const result = retry(fn, { retryOn: () => true });

    await expect(result).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('never retries an open-circuit error from another copy of the package either', async () => {
    // Another installed copy's BrokenCircuitError: the same code, a different class.
    const foreign = Object.assign(new Error('circuit open'), { code: 'ERR_BREAKER_OPEN' });
    const fn = vi.fn(() => Promise.reject(foreign));

    const result = retry(fn, { retryOn: () => true });

    await expect(result).rejects.toBe(foreign);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('retries a BrokenCircuitError when told to, waiting until the circuit admits calls', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, recoveryTimeout: 5_000 });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    const events: RetryEvent[] = [];

    const result = retry(() => breaker.execute(async () => 'recovered'), {
      retryBrokenCircuit: true,
      baseDelayMs: 10,
      onRetry: (event) => events.push(event),
    });
    await vi.advanceTimersByTimeAsync(5_000);

    await expect(result).resolves.toBe('recovered');
    expect(events[0]?.delayMs).toBe(5_000);
  });

  it('passes the attempt number and the signal to fn', async () => {
    const controller = new AbortController();
    const seen: Array<[number, AbortSignal]> = [];

    const result = retry(
      async ({ attempt, signal }) => {
        seen.push([attempt, signal]);
        if (attempt < 2) throw new Error('again');
        return attempt;
      },
      { signal: controller.signal, jitter: 'none', baseDelayMs: 1 },
    );
    await vi.advanceTimersByTimeAsync(1);

    await expect(result).resolves.toBe(2);
    expect(seen).toEqual([
      [1, controller.signal],
      [2, controller.signal],
    ]);
  });

  it('ends a wait in progress when the signal aborts', async () => {
    const controller = new AbortController();
    const fn = flaky(5);
    const result = retry(fn, { signal: controller.signal, baseDelayMs: 10_000, jitter: 'none' });
    await vi.advanceTimersByTimeAsync(0);

    controller.abort(new Error('shutting down'));

    await expect(result).rejects.toThrow('shutting down');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when onRetry aborts the signal, without waiting out the delay', async () => {
    const controller = new AbortController();
    const result = retry(flaky(5), {
      signal: controller.signal,
      baseDelayMs: 10_000,
      jitter: 'none',
      onRetry: () => controller.abort(new Error('shutting down')),
    });
    let settled = false;
    result
      .catch(() => undefined)
      .finally(() => {
        settled = true;
      });

    await vi.advanceTimersByTimeAsync(0);

    expect(settled).toBe(true);
    await expect(result).rejects.toThrow('shutting down');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the process alive while it waits, since the caller awaits the result', async () => {
    vi.useRealTimers();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const controller = new AbortController();
    const result = retry(flaky(5), {
      signal: controller.signal,
      baseDelayMs: 20_000,
      jitter: 'none',
    });
    await new Promise((resolve) => setImmediate(resolve));

    const index = setTimeoutSpy.mock.calls.findIndex((call) => call[1] === 20_000);
    const handle = setTimeoutSpy.mock.results[index]?.value as NodeJS.Timeout | undefined;
    const keepsAlive = handle?.hasRef();
    controller.abort(new Error('done'));
    await result.catch(() => undefined);
    setTimeoutSpy.mockRestore();

    expect(keepsAlive).toBe(true);
  });

  it('does not call fn when the signal is already aborted', async () => {
    const fn = flaky(0);

    const result = retry(fn, { signal: AbortSignal.abort(new Error('too late')) });

    await expect(result).rejects.toThrow('too late');
    expect(fn).not.toHaveBeenCalled();
  });

  it.each([
    ['maxAttempts', { maxAttempts: 0 }, RangeError],
    ['maxAttempts', { maxAttempts: 1.5 }, TypeError],
    ['baseDelayMs', { baseDelayMs: -1 }, RangeError],
    ['maxDelayMs', { baseDelayMs: 100, maxDelayMs: 10 }, RangeError],
    ['multiplier', { multiplier: 0.5 }, RangeError],
    ['jitter', { jitter: 'half' as 'full' }, RangeError],
    ['retryOn', { retryOn: 'yes' as unknown as () => boolean }, TypeError],
  ])('rejects an invalid %s with an error naming it', async (option, options, ErrorClass) => {
    const result = retry(async () => 'ok', options);

    await expect(result).rejects.toThrow(ErrorClass);
    await expect(retry(async () => 'ok', options)).rejects.toThrow(option);
  });
});

import { cappedDelay, checkMaxNotBelowBase, checkMultiplier } from './backoff.js';
import { type Clock, systemClock } from './clock.js';
import { isBreakerError } from './errors.js';
import { checkFunction, checkInteger, checkMs } from './validate.js';

/** What `fn` receives from {@link retry}. */
export interface RetryContext {
  /** 1 for the first call, 2 for the first retry, … */
  readonly attempt: number;
  /** The caller's `signal`, or one that never aborts. */
  readonly signal: AbortSignal;
}

/** What `onRetry` hears before each wait. */
export interface RetryEvent {
  error: unknown;
  /** The attempt that just failed (1 for the first call). */
  attempt: number;
  /** How long it waits before the next attempt, in milliseconds. */
  delayMs: number;
}

export interface RetryOptions {
  /** Calls in all, the first one included; `Infinity` retries until `retryOn` or `signal` stops it. @default 3 */
  maxAttempts?: number;
  /** The cap of the first wait, in milliseconds; each next cap is `multiplier` times it. @default 100 */
  baseDelayMs?: number;
  /** No wait is longer than this, in milliseconds. @default 30_000 */
  maxDelayMs?: number;
  /** How much the cap grows per attempt. @default 2 */
  multiplier?: number;
  /**
   * `'full'` waits a uniformly random time between 0 and the cap (AWS's "full jitter", so many
   * clients do not retry in lockstep); `'none'` waits the cap itself.
   * @default 'full'
   */
  jitter?: 'full' | 'none';
  /** Decides whether an error is worth another attempt. @default () => true */
  retryOn?: (error: unknown, attempt: number) => boolean;
  /**
   * Retry a `BrokenCircuitError` too; the wait is then at least until the circuit admits calls
   * again. Without it such an error ends the retries at once, whatever `retryOn` says.
   * @default false
   */
  retryBrokenCircuit?: boolean;
  /** Stops the retries: a wait in progress ends and `retry` rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Uniform random numbers in [0, 1), for the jitter; seed one in tests. @default Math.random */
  random?: () => number;
  /**
   * Time source and timers for the waits. `systemClock`'s timers keep the process alive while a
   * wait is pending, since the caller awaits the result; aborting `signal` clears the wait.
   * @default systemClock
   */
  clock?: Clock;
  /** Called before each wait, e.g. to log. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Calls `fn` until it succeeds or the attempts run out, waiting with exponential backoff and
 * full jitter in between; rejects with the last error. Compose it around a breaker, so each
 * attempt goes through the circuit:
 *
 * @example
 * await retry(({ signal }) => breaker.execute(() => fetchThing(signal)), { maxAttempts: 4 })
 */
export async function retry<T>(
  fn: (context: RetryContext) => PromiseLike<T> | T,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = checkInteger('maxAttempts', options.maxAttempts ?? 3, 1);
  const baseDelayMs = checkMs('baseDelayMs', options.baseDelayMs ?? 100, true);
  const maxDelayMs = checkMs('maxDelayMs', options.maxDelayMs ?? 30_000, true);
  const multiplier = checkMultiplier(options.multiplier ?? 2);
  checkMaxNotBelowBase(baseDelayMs, maxDelayMs);
  const jitter = options.jitter ?? 'full';
  if (jitter !== 'full' && jitter !== 'none') {
    throw new RangeError(`jitter must be 'full' or 'none', got ${String(jitter)}.`);
  }
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  for (const [name, value] of [
    ['retryOn', options.retryOn],
    ['random', options.random],
    ['onRetry', options.onRetry],
  ] as const) {
    if (value !== undefined) checkFunction(name, value);
  }
  const signal = options.signal ?? new AbortController().signal;

  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    try {
      return await fn({ attempt, signal });
    } catch (error) {
      if (attempt >= maxAttempts || signal.aborted) throw error;
      // By code, not instanceof: the breaker may come from another installed copy of the package.
      const broken = isBreakerError(error, 'ERR_BREAKER_OPEN');
      if (broken ? !options.retryBrokenCircuit : options.retryOn?.(error, attempt) === false) {
        throw error;
      }
      const capMs = cappedDelay(baseDelayMs, maxDelayMs, multiplier, attempt - 1);
      let delayMs = jitter === 'full' ? random() * capMs : capMs;
      if (broken && error.retryAt !== undefined) {
        delayMs = Math.max(delayMs, error.retryAt - clock.now());
      }
      options.onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, clock, signal);
    }
  }
}

function sleep(ms: number, clock: Clock, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // Aborted by retryOn or onRetry: an 'abort' event will never come, so do not wait for one.
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

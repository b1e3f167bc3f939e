import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { CountWindow } from './count-window.js';
import type { CircuitState } from './state.js';
import { TimeWindow } from './time-window.js';
import { ConsecutiveFailures, type TripPolicy, type TripPolicyJSON } from './trip-policy.js';
import { checkFunction, checkInteger, checkMs, checkRate } from './validate.js';

/** Thresholds shared by the count and the time window. */
export interface WindowThresholdOptions {
  /**
   * The circuit opens when at least this fraction of the calls in the window failed.
   * A rate in (0, 1]: 0.5 means 50%.
   * @default 0.5
   */
  failureRateThreshold?: number;
  /**
   * The circuit opens when at least this fraction of the calls in the window took `slowCallMs`
   * or longer. A rate in (0, 1]. Needs `slowCallMs`.
   * @default 1
   */
  slowCallRateThreshold?: number;
  /**
   * The rates count only once the window holds this many calls, so one early failure cannot
   * open the circuit.
   * @default the window's `size` for a count window, 10 for a time window
   */
  minimumCalls?: number;
}

/** A sliding window over the last `size` calls. */
export interface CountWindowOptions extends WindowThresholdOptions {
  type: 'count';
  /** How many of the most recent calls the window holds. */
  size: number;
}

/** A sliding window over the calls of the last `durationMs`. */
export interface TimeWindowOptions extends WindowThresholdOptions {
  type: 'time';
  /** How far back the window reaches, in milliseconds. */
  durationMs: number;
  /**
   * How many buckets the window is kept in; calls age out a bucket (`durationMs / buckets`) at a
   * time.
   * @default 10
   */
  buckets?: number;
}

/** The sliding window that replaces the consecutive-failures rule. */
export type WindowOptions = CountWindowOptions | TimeWindowOptions;

/** The state and counts of a breaker as `toJSON()` returns them, to restore with `initialState`. */
export interface CircuitBreakerJSON {
  version: 1;
  state: CircuitState;
  window: TripPolicyJSON;
}

export interface CircuitBreakerOptions {
  /** Names the breaker in errors and events, e.g. the backend it guards. @default 'breaker' */
  name?: string;
  /**
   * Consecutive failures that open the circuit. Ignored (and not allowed) with `window`.
   * @default 5
   */
  failureThreshold?: number;
  /**
   * How long the circuit stays open before it admits probes, in milliseconds; or a function of
   * how many times it has re-opened from half-open since it was last closed (0, 1, 2, …) that
   * returns that delay, for backoff (see `exponentialBackoff`).
   * @default 60_000
   */
  recoveryTimeout?: number | ((reopenCount: number) => number);
  /**
   * How many probe calls half-open admits; the others are rejected at once. When that many
   * probes have succeeded the circuit closes; any failed probe re-opens it.
   * @default 1
   */
  halfOpenMaxCalls?: number;
  /**
   * How long half-open waits for probes in flight to settle, in milliseconds, from when the
   * current run of probes began. Past it, the next call (or read of `state`) re-opens the
   * circuit as if a probe had failed, so a probe that never settles cannot keep the circuit
   * half-open, rejecting every call, forever. `Infinity` waits forever (resilience4j's default).
   * @default 60_000, or `timeout` when that is longer
   */
  halfOpenMaxWaitMs?: number;
  /**
   * Trip on rates over a sliding window (count- or time-based) instead of consecutive failures.
   * @default undefined (consecutive failures)
   * @example { type: 'count', size: 20, failureRateThreshold: 0.5, minimumCalls: 10 }
   */
  window?: WindowOptions;
  /**
   * A successful call that took this long or longer (milliseconds) is slow: it counts toward
   * the window's `slowCallRateThreshold`, and as a failure without a window and in half-open.
   * @default undefined (no call is slow)
   */
  slowCallMs?: number;
  /**
   * Per-call timeout in milliseconds: the call's signal is aborted and it rejects with
   * `BreakerTimeoutError`, which always counts as a failure. `execute(fn, { timeout })` overrides it.
   * @default undefined (no timeout, and no timer is set)
   */
  timeout?: number;
  /**
   * Decides whether an error counts as a failure. Errors it returns false for still reject the
   * call but leave the circuit alone.
   * @default () => true (every error counts)
   */
  isFailure?: (error: unknown) => boolean;
  /** Time source and timers, for fake time in tests. @default systemClock */
  clock?: Clock;
  /** Restores a breaker saved with `toJSON()`. @default undefined (closed, empty) */
  initialState?: CircuitBreakerJSON;
}

/** Options checked and filled in with their defaults. */
export interface ResolvedOptions {
  name: string;
  recoveryDelay: (reopenCount: number) => number;
  halfOpenMaxCalls: number;
  halfOpenMaxWaitMs: number;
  slowCallMs: number | undefined;
  timeout: number | undefined;
  isFailure: ((error: unknown) => boolean) | undefined;
  clock: Clock;
  policy: TripPolicy;
}

export function resolveOptions(options: CircuitBreakerOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('CircuitBreaker options must be an object.');
  }
  const name = options.name ?? 'breaker';
  if (typeof name !== 'string') throw new TypeError('name must be a string.');
  if (options.window !== undefined && options.failureThreshold !== undefined) {
    throw new TypeError(
      'failureThreshold and window are exclusive: set the window rates instead of failureThreshold.',
    );
  }
  const recoveryTimeout = options.recoveryTimeout ?? 60_000;
  let recoveryDelay: (reopenCount: number) => number;
  if (typeof recoveryTimeout === 'function') {
    // Checked once now, so a function that is wrong for every input fails at construction.
    const firstDelay = checkMs('recoveryTimeout(0)', recoveryTimeout(0), true);
    recoveryDelay = (reopenCount) => {
      try {
        return checkMs(`recoveryTimeout(${reopenCount})`, recoveryTimeout(reopenCount), true);
      } catch (bug) {
        // Thrown mid-call, it would replace the call's own error and leave the circuit closed
        // at its threshold, never opening. Surface the bug, and open with the first delay.
        queueMicrotask(() => {
          throw bug;
        });
        return firstDelay;
      }
    };
  } else {
    const ms = checkMs('recoveryTimeout', recoveryTimeout, true);
    recoveryDelay = () => ms;
  }
  const slowCallMs =
    options.slowCallMs === undefined ? undefined : checkMs('slowCallMs', options.slowCallMs, false);
  const timeout =
    options.timeout === undefined ? undefined : checkMs('timeout', options.timeout, false);
  if (options.isFailure !== undefined) checkFunction('isFailure', options.isFailure);
  const clock = options.clock ?? systemClock;
  if (clock === null || typeof clock !== 'object') throw new TypeError('clock must be an object.');
  checkFunction('clock.now', clock.now);
  checkFunction('clock.setTimeout', clock.setTimeout);
  checkFunction('clock.clearTimeout', clock.clearTimeout);
  return {
    name,
    recoveryDelay,
    // Finite: with Infinity, half-open could never see enough successes to close.
    halfOpenMaxCalls: checkInteger(
      'halfOpenMaxCalls',
      options.halfOpenMaxCalls ?? 1,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    halfOpenMaxWaitMs:
      options.halfOpenMaxWaitMs === undefined
        ? Math.max(60_000, timeout ?? 0)
        : options.halfOpenMaxWaitMs === Infinity
          ? Infinity
          : checkMs('halfOpenMaxWaitMs', options.halfOpenMaxWaitMs, false),
    slowCallMs,
    timeout,
    isFailure: options.isFailure,
    clock,
    policy:
      options.window === undefined
        ? new ConsecutiveFailures(
            checkInteger('failureThreshold', options.failureThreshold ?? 5, 1),
          )
        : windowPolicy(options.window),
  };
}

function windowPolicy(window: WindowOptions): TripPolicy {
  if (window === null || typeof window !== 'object') {
    throw new TypeError("window must be an object with type 'count' or 'time'.");
  }
  const failureRateThreshold = checkRate(
    'window.failureRateThreshold',
    window.failureRateThreshold ?? 0.5,
  );
  const slowCallRateThreshold = checkRate(
    'window.slowCallRateThreshold',
    window.slowCallRateThreshold ?? 1,
  );
  if (window.type === 'count') {
    const size = checkInteger('window.size', window.size, 1, 1_000_000);
    const minimumCalls = checkInteger('window.minimumCalls', window.minimumCalls ?? size, 1, size);
    return new CountWindow(size, { failureRateThreshold, slowCallRateThreshold, minimumCalls });
  }
  if (window.type === 'time') {
    const durationMs = checkMs('window.durationMs', window.durationMs, false);
    const buckets = checkInteger('window.buckets', window.buckets ?? 10, 1, 10_000);
    const minimumCalls = checkInteger('window.minimumCalls', window.minimumCalls ?? 10, 1);
    return new TimeWindow(durationMs, buckets, {
      failureRateThreshold,
      slowCallRateThreshold,
      minimumCalls,
    });
  }
  throw new TypeError(
    `window.type must be 'count' or 'time', got ${String((window as { type?: unknown }).type)}.`,
  );
}

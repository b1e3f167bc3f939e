import type { CircuitBreakerStats, ExecuteContext, ExecuteOptions } from './breaker-types.js';
import {
  Circuit,
  CLOSED,
  DISABLED,
  FORCED_OPEN,
  NOT_A_PROBE,
  NOT_ADMITTED,
  OPEN,
} from './circuit.js';
import type { Clock } from './clock.js';
import { type BreakerTimeoutError, BrokenCircuitError } from './errors.js';
import { type Disposer, Listeners } from './listeners.js';
import { type CircuitBreakerJSON, type CircuitBreakerOptions, resolveOptions } from './options.js';
import { restoreState, restoreWindow } from './restore.js';
import type { CircuitState, CircuitStateName } from './state.js';
import { CallTimeout } from './timeout.js';
import type { TripPolicy } from './trip-policy.js';
import { checkMs } from './validate.js';

let sharedContext: ExecuteContext | undefined;
// One frozen context for every call without a signal or timeout: nothing to allocate per call.
function contextWithoutSignal(): ExecuteContext {
  sharedContext ??= Object.freeze({ signal: new AbortController().signal });
  return sharedContext;
}

/**
 * A circuit breaker: runs calls while the backend is healthy ({@link ClosedState}), rejects them
 * at once with `BrokenCircuitError` once it fails too often ({@link OpenState}), and after
 * `recoveryTimeout` lets a few probes through ({@link HalfOpenState}) to decide which.
 *
 * No timer is kept: the move from open to half-open happens when it is first observed, by a
 * call or a read of `state`, so an idle breaker keeps nothing alive. Only a call with a
 * `timeout` sets a timer, ref'd with `systemClock` (the caller awaits the call) and cleared the
 * moment the call settles.
 */
export class CircuitBreaker {
  readonly name: string;
  readonly #clock: Clock;
  readonly #policy: TripPolicy;
  readonly #circuit: Circuit;
  readonly #slowCallMs: number | undefined;
  readonly #timeout: number | undefined;
  readonly #isFailure: ((error: unknown) => boolean) | undefined;
  readonly #success = new Listeners<[durationMs: number]>();
  readonly #failure = new Listeners<[error: unknown, durationMs: number]>();
  readonly #rejected = new Listeners<[error: BrokenCircuitError]>();
  readonly #timedOut = new Listeners<[error: BreakerTimeoutError]>();
  /** Whether calls must read the clock: for slow calls, or for listeners that get durations. */
  #timed: boolean;
  #successes = 0;
  #failures = 0;
  #ignoredErrors = 0;
  #rejections = 0;
  #timeouts = 0;
  #slowCalls = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    const resolved = resolveOptions(options);
    this.name = resolved.name;
    this.#clock = resolved.clock;
    this.#policy = resolved.policy;
    this.#circuit = new Circuit(
      resolved.clock,
      resolved.policy,
      resolved.recoveryDelay,
      resolved.halfOpenMaxCalls,
      resolved.halfOpenMaxWaitMs,
    );
    this.#slowCallMs = resolved.slowCallMs;
    this.#timeout = resolved.timeout;
    this.#isFailure = resolved.isFailure;
    this.#timed = this.#slowCallMs !== undefined;
    if (options.initialState !== undefined) {
      const state = restoreState(options.initialState);
      const window = restoreWindow(options.initialState);
      this.#circuit.restore(state);
      this.#policy.restore(window, this.#clock.now());
    }
  }

  /** The state's name; reading it may move an open circuit whose time is up to half-open. */
  get state(): CircuitStateName {
    return this.#circuit.name;
  }

  /** The state with its facts (when it opened, when it retries): see {@link CircuitState}. */
  get circuitState(): CircuitState {
    void this.#circuit.name;
    return this.#circuit.describe();
  }

  /**
   * Runs `fn({ signal })` through the breaker and settles as it does, or rejects with
   * `BrokenCircuitError` at once, without running it, when the circuit does not admit calls.
   */
  execute<T>(
    fn: (context: ExecuteContext) => PromiseLike<T> | T,
    options?: ExecuteOptions,
  ): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new TypeError('execute(fn): fn must be a function that makes the call.'),
      );
    }
    const circuit = this.#circuit;
    if (circuit.phase === CLOSED && options === undefined && this.#timeout === undefined) {
      return this.#run(fn, contextWithoutSignal(), undefined, NOT_A_PROBE);
    }
    let timeout = this.#timeout;
    if (options?.timeout !== undefined) {
      try {
        timeout = checkMs('timeout', options.timeout, false);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const signal = options?.signal;
    if (circuit.phase === CLOSED) return this.#start(fn, signal, timeout, NOT_A_PROBE);
    if (circuit.phase === DISABLED) return this.#passThrough(fn, signal);
    const probe = circuit.admitProbe();
    if (probe === NOT_ADMITTED) return this.#reject();
    return this.#start(fn, signal, timeout, probe);
  }

  /** Closes the circuit by hand, from any state, and forgets the outcomes it has seen. */
  reset(): void {
    this.#circuit.close();
  }

  /** Lets every call through uncounted until `reset()`; the circuit never trips. */
  disable(): void {
    this.#circuit.transition(DISABLED);
  }

  /** Rejects every call until `reset()`, e.g. while a backend is in maintenance. */
  forceOpen(): void {
    this.#circuit.transition(FORCED_OPEN);
  }

  /** Listens to every state change; returns the function that stops listening. */
  onStateChange(listener: (next: CircuitState, previous: CircuitState) => void): Disposer {
    return this.#circuit.stateChange.add(listener);
  }

  /** Listens to calls that succeeded, with how long they took. */
  onSuccess(listener: (durationMs: number) => void): Disposer {
    return this.#timedListener(this.#success.add(listener));
  }

  /** Listens to errors that counted as failures (timeouts included). */
  onFailure(listener: (error: unknown, durationMs: number) => void): Disposer {
    return this.#timedListener(this.#failure.add(listener));
  }

  /** Listens to calls rejected with `BrokenCircuitError` without running. */
  onRejected(listener: (error: BrokenCircuitError) => void): Disposer {
    return this.#rejected.add(listener);
  }

  /** Listens to calls that timed out. */
  onTimeout(listener: (error: BreakerTimeoutError) => void): Disposer {
    return this.#timedOut.add(listener);
  }

  stats(): CircuitBreakerStats {
    const window = this.#policy.counts(this.#clock.now());
    return {
      calls: this.#successes + this.#failures + this.#ignoredErrors,
      successes: this.#successes,
      failures: this.#failures,
      ignoredErrors: this.#ignoredErrors,
      rejections: this.#rejections,
      timeouts: this.#timeouts,
      slowCalls: this.#slowCalls,
      opens: this.#circuit.opens,
      halfOpenProbesInFlight: this.#circuit.probesInFlight,
      windowCalls: window.calls,
      windowFailures: window.failures,
      windowSlowCalls: window.slowCalls,
    };
  }

  /** The state and the window's contents, as plain JSON; pass it back as `initialState`. */
  toJSON(): CircuitBreakerJSON {
    return { version: 1, state: this.#circuit.describe(), window: this.#policy.toJSON() };
  }

  #start<T>(
    fn: (context: ExecuteContext) => PromiseLike<T> | T,
    signal: AbortSignal | undefined,
    timeout: number | undefined,
    probe: number,
  ): Promise<T> {
    if (signal?.aborted) {
      this.#ignoredErrors++;
      this.#circuit.releaseProbe(probe);
      return Promise.reject(signal.reason);
    }
    if (timeout !== undefined) return this.#runWithTimeout(fn, signal, timeout, probe);
    return this.#run(fn, signal === undefined ? contextWithoutSignal() : { signal }, signal, probe);
  }

  async #run<T>(
    fn: (context: ExecuteContext) => PromiseLike<T> | T,
    context: ExecuteContext,
    signal: AbortSignal | undefined,
    probe: number,
  ): Promise<T> {
    const startedAt = this.#timed ? this.#clock.now() : 0;
    let value: T;
    try {
      value = await fn(context);
    } catch (error) {
      this.#onError(error, startedAt, signal, probe);
      throw error;
    }
    this.#onSuccess(startedAt, probe);
    return value;
  }

  async #runWithTimeout<T>(
    fn: (context: ExecuteContext) => PromiseLike<T> | T,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    probe: number,
  ): Promise<T> {
    const timeout = new CallTimeout(this.#clock, this.name, timeoutMs, signal);
    const startedAt = this.#clock.now();
    let value: T;
    try {
      let call: PromiseLike<T> | T;
      try {
        call = fn(timeout);
      } catch (error) {
        call = Promise.reject(error);
      }
      value = await timeout.race(call);
    } catch (error) {
      const timedOut = timeout.error;
      if (timedOut !== undefined && error === timedOut) {
        this.#timeouts++;
        if (this.#timedOut.size > 0) this.#timedOut.emit(timedOut);
        this.#onFailure(error, this.#clock.now() - startedAt, probe);
      } else {
        this.#onError(error, startedAt, signal, probe);
      }
      throw error;
    }
    this.#onSuccess(startedAt, probe);
    return value;
  }

  #passThrough<T>(
    fn: (context: ExecuteContext) => PromiseLike<T> | T,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    try {
      return Promise.resolve(fn(signal === undefined ? contextWithoutSignal() : { signal }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #onSuccess(startedAt: number, probe: number): void {
    this.#successes++;
    let slow = false;
    let now = 0;
    if (this.#timed) {
      now = this.#clock.now();
      const durationMs = now - startedAt;
      slow = this.#slowCallMs !== undefined && durationMs >= this.#slowCallMs;
      if (slow) this.#slowCalls++;
      if (this.#success.size > 0) this.#success.emit(durationMs);
    }
    if (probe !== NOT_A_PROBE) {
      // A slow probe is as bad a sign as a failed one.
      this.#circuit.probeSettled(probe, !slow);
    } else if (this.#circuit.phase === CLOSED) {
      if (this.#policy.needsTime && now === 0) now = this.#clock.now();
      if (this.#policy.record(false, slow, now)) this.#circuit.open(0);
    }
  }

  #onError(error: unknown, startedAt: number, signal: AbortSignal | undefined, probe: number) {
    if (signal?.aborted || !this.#counts(error)) {
      this.#ignoredErrors++;
      this.#circuit.releaseProbe(probe);
      return;
    }
    this.#onFailure(error, this.#timed ? this.#clock.now() - startedAt : 0, probe);
  }

  #onFailure(error: unknown, durationMs: number, probe: number): void {
    this.#failures++;
    if (this.#failure.size > 0) this.#failure.emit(error, durationMs);
    if (probe !== NOT_A_PROBE) {
      this.#circuit.probeSettled(probe, false);
    } else if (this.#circuit.phase === CLOSED) {
      const now = this.#policy.needsTime ? this.#clock.now() : 0;
      if (this.#policy.record(true, false, now)) this.#circuit.open(0);
    }
  }

  #counts(error: unknown): boolean {
    if (this.#isFailure === undefined) return true;
    try {
      return this.#isFailure(error) !== false;
    } catch (bug) {
      // A throwing predicate is a bug to surface, but the call's bookkeeping must still finish.
      queueMicrotask(() => {
        throw bug;
      });
      return true;
    }
  }

  #reject<T>(): Promise<T> {
    this.#rejections++;
    const circuit = this.#circuit;
    const state =
      circuit.phase === OPEN ? 'open' : circuit.phase === FORCED_OPEN ? 'forced-open' : 'half-open';
    const error = new BrokenCircuitError(
      this.name,
      state,
      state === 'open' ? circuit.retryAt : undefined,
    );
    if (this.#rejected.size > 0) this.#rejected.emit(error);
    return Promise.reject(error);
  }

  #timedListener(dispose: Disposer): Disposer {
    this.#updateTimed();
    return () => {
      dispose();
      this.#updateTimed();
    };
  }

  #updateTimed(): void {
    this.#timed =
      this.#slowCallMs !== undefined || this.#success.size > 0 || this.#failure.size > 0;
  }
}

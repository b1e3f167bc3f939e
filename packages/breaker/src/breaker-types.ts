/** What `fn` receives from {@link CircuitBreaker.execute}. */
export interface ExecuteContext {
  /** Aborted when the call times out (reason: `BreakerTimeoutError`) or the caller's signal aborts. */
  readonly signal: AbortSignal;
}

/** Per-call options of {@link CircuitBreaker.execute}. */
export interface ExecuteOptions {
  /** Cancels the call: passed on to `fn`; errors after it aborted do not count as failures. */
  signal?: AbortSignal;
  /** Overrides the breaker's `timeout` for this call, in milliseconds. */
  timeout?: number;
}

/** Counters since the breaker was created, and what its trip policy holds now. */
export interface CircuitBreakerStats {
  /** Calls that ran (successes + failures + ignoredErrors). */
  calls: number;
  successes: number;
  /** Errors that counted against the circuit, timeouts included. */
  failures: number;
  /** Errors that rejected the call but did not count (`isFailure` false, or caller aborted). */
  ignoredErrors: number;
  /** Calls rejected with `BrokenCircuitError` without running. */
  rejections: number;
  timeouts: number;
  /** Successful calls that took `slowCallMs` or longer. */
  slowCalls: number;
  /** How many times the circuit opened (from closed or half-open). */
  opens: number;
  halfOpenProbesInFlight: number;
  /** Calls in the sliding window (consecutive failures without a window). */
  windowCalls: number;
  windowFailures: number;
  windowSlowCalls: number;
}

/** The name of a circuit's state, as read from {@link CircuitBreaker.state}. */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'disabled' | 'forced-open';

/** Calls run and their outcomes count toward tripping the circuit. */
export interface ClosedState {
  readonly name: 'closed';
}

/** Calls are rejected with `BrokenCircuitError` until `retryAt`. */
export interface OpenState {
  readonly name: 'open';
  /** When the circuit opened (clock milliseconds). */
  readonly openedAt: number;
  /** When it admits probe calls again (clock milliseconds). */
  readonly retryAt: number;
  /** How many times it re-opened from half-open since it was last closed (0 on the first trip). */
  readonly reopenCount: number;
}

/** At most `halfOpenMaxCalls` probe calls run; they decide between closed and open. */
export interface HalfOpenState {
  readonly name: 'half-open';
  /** When the circuit last opened (clock milliseconds). */
  readonly openedAt: number;
  /** How many times it re-opened since it was last closed; a failed probe re-opens with this + 1. */
  readonly reopenCount: number;
}

/** Set by hand: every call runs directly, nothing is counted, the circuit never trips. */
export interface DisabledState {
  readonly name: 'disabled';
}

/** Set by hand: every call is rejected until `reset()`. */
export interface ForcedOpenState {
  readonly name: 'forced-open';
}

/** A circuit's state with the facts that belong to it: a discriminated union on `name`. */
export type CircuitState =
  | ClosedState
  | OpenState
  | HalfOpenState
  | DisabledState
  | ForcedOpenState;

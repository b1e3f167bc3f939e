/** What a trip policy holds right now, for `stats()`. */
export interface WindowCounts {
  calls: number;
  failures: number;
  slowCalls: number;
}

/** A trip policy's contents, as persisted by `CircuitBreaker.toJSON()`. */
export type TripPolicyJSON =
  | { type: 'consecutive'; failures: number }
  | { type: 'count'; size: number; outcomes: number[] }
  | {
      type: 'time';
      durationMs: number;
      buckets: number;
      entries: Array<{ bucket: number; calls: number; failures: number; slowCalls: number }>;
    };

/**
 * Decides from the outcomes of closed-state calls when the circuit opens. One implementation per
 * tripping model: consecutive failures, a count window, a time window.
 */
export interface TripPolicy {
  /** Whether `record` needs the current time (only the time window does). */
  readonly needsTime: boolean;
  /** Records one call's outcome; returns true when the circuit should open. */
  record(failed: boolean, slow: boolean, now: number): boolean;
  /** Forgets every outcome (on every state change). */
  reset(): void;
  counts(now: number): WindowCounts;
  toJSON(): TripPolicyJSON;
  /** Loads persisted contents; contents of another shape (the options changed) are ignored. */
  restore(json: TripPolicyJSON, now: number): void;
}

/** Opens after `failureThreshold` failures in a row; any success starts the count again. */
export class ConsecutiveFailures implements TripPolicy {
  readonly needsTime = false;
  readonly #threshold: number;
  #failures = 0;

  constructor(failureThreshold: number) {
    this.#threshold = failureThreshold;
  }

  record(failed: boolean, slow: boolean): boolean {
    // Without a window there is no slow-call rate, so a slow success counts as a failure.
    if (!failed && !slow) {
      this.#failures = 0;
      return false;
    }
    return ++this.#failures >= this.#threshold;
  }

  reset(): void {
    this.#failures = 0;
  }

  counts(): WindowCounts {
    return { calls: this.#failures, failures: this.#failures, slowCalls: 0 };
  }

  toJSON(): TripPolicyJSON {
    return { type: 'consecutive', failures: this.#failures };
  }

  restore(json: TripPolicyJSON): void {
    if (json.type === 'consecutive' && Number.isInteger(json.failures) && json.failures >= 0) {
      this.#failures = Math.min(json.failures, this.#threshold - 1);
    }
  }
}

/** The thresholds shared by both sliding windows. */
export interface RateThresholds {
  failureRateThreshold: number;
  slowCallRateThreshold: number;
  minimumCalls: number;
}

/** Whether the rates in `counts` reach a threshold, once there are enough calls to judge. */
export function ratesTrip(
  calls: number,
  failures: number,
  slowCalls: number,
  thresholds: RateThresholds,
): boolean {
  if (calls < thresholds.minimumCalls) return false;
  return (
    failures / calls >= thresholds.failureRateThreshold ||
    slowCalls / calls >= thresholds.slowCallRateThreshold
  );
}

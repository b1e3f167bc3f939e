import {
  type RateThresholds,
  ratesTrip,
  type TripPolicy,
  type TripPolicyJSON,
  type WindowCounts,
} from './trip-policy.js';

const FAILED = 1;
const SLOW = 2;

/**
 * The last `size` calls, in a ring buffer of one byte per call with running sums, so recording
 * a call is O(1) and allocates nothing.
 */
export class CountWindow implements TripPolicy {
  readonly needsTime = false;
  readonly #thresholds: RateThresholds;
  readonly #outcomes: Uint8Array;
  #next = 0;
  #calls = 0;
  #failures = 0;
  #slowCalls = 0;

  constructor(size: number, thresholds: RateThresholds) {
    this.#outcomes = new Uint8Array(size);
    this.#thresholds = thresholds;
  }

  record(failed: boolean, slow: boolean): boolean {
    const outcomes = this.#outcomes;
    const index = this.#next;
    if (this.#calls === outcomes.length) {
      const evicted = outcomes[index]!;
      this.#failures -= evicted & FAILED;
      this.#slowCalls -= (evicted & SLOW) >> 1;
    } else {
      this.#calls++;
    }
    outcomes[index] = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    if (failed) this.#failures++;
    if (slow) this.#slowCalls++;
    this.#next = index + 1 === outcomes.length ? 0 : index + 1;
    return ratesTrip(this.#calls, this.#failures, this.#slowCalls, this.#thresholds);
  }

  reset(): void {
    this.#next = 0;
    this.#calls = 0;
    this.#failures = 0;
    this.#slowCalls = 0;
  }

  counts(): WindowCounts {
    return { calls: this.#calls, failures: this.#failures, slowCalls: this.#slowCalls };
  }

  toJSON(): TripPolicyJSON {
    const size = this.#outcomes.length;
    const outcomes: number[] = [];
    // Oldest first, so restoring is replaying.
    const start = this.#calls === size ? this.#next : 0;
    for (let i = 0; i < this.#calls; i++) outcomes.push(this.#outcomes[(start + i) % size]!);
    return { type: 'count', size, outcomes };
  }

  restore(json: TripPolicyJSON): void {
    if (json.type !== 'count' || json.size !== this.#outcomes.length) return;
    if (!Array.isArray(json.outcomes)) return;
    this.reset();
    for (const outcome of json.outcomes.slice(-this.#outcomes.length)) {
      this.record((outcome & FAILED) !== 0, (outcome & SLOW) !== 0);
    }
  }
}

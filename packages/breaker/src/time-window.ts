import {
  type RateThresholds,
  ratesTrip,
  type TripPolicy,
  type TripPolicyJSON,
  type WindowCounts,
} from './trip-policy.js';

/**
 * The calls of the last `durationMs`, kept as a ring of `buckets` partial sums (resilience4j's
 * model): recording is O(1) amortised and memory does not grow with the call rate. A call
 * leaves the window when its whole bucket has aged out, so the window spans between
 * `durationMs - durationMs / buckets` and `durationMs`.
 */
export class TimeWindow implements TripPolicy {
  readonly needsTime = true;
  readonly #thresholds: RateThresholds;
  readonly #durationMs: number;
  readonly #bucketMs: number;
  readonly #calls: Uint32Array;
  readonly #failures: Uint32Array;
  readonly #slowCalls: Uint32Array;
  /** The bucket number (time / bucketMs) that the newest slot holds. */
  #head = Number.NEGATIVE_INFINITY;
  #totalCalls = 0;
  #totalFailures = 0;
  #totalSlowCalls = 0;

  constructor(durationMs: number, buckets: number, thresholds: RateThresholds) {
    this.#durationMs = durationMs;
    this.#bucketMs = durationMs / buckets;
    this.#calls = new Uint32Array(buckets);
    this.#failures = new Uint32Array(buckets);
    this.#slowCalls = new Uint32Array(buckets);
    this.#thresholds = thresholds;
  }

  record(failed: boolean, slow: boolean, now: number): boolean {
    const slot = this.#advance(now);
    this.#calls[slot]!++;
    this.#totalCalls++;
    if (failed) {
      this.#failures[slot]!++;
      this.#totalFailures++;
    }
    if (slow) {
      this.#slowCalls[slot]!++;
      this.#totalSlowCalls++;
    }
    return ratesTrip(this.#totalCalls, this.#totalFailures, this.#totalSlowCalls, this.#thresholds);
  }

  reset(): void {
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.#slowCalls.fill(0);
    this.#head = Number.NEGATIVE_INFINITY;
    this.#totalCalls = 0;
    this.#totalFailures = 0;
    this.#totalSlowCalls = 0;
  }

  counts(now: number): WindowCounts {
    this.#advance(now);
    return {
      calls: this.#totalCalls,
      failures: this.#totalFailures,
      slowCalls: this.#totalSlowCalls,
    };
  }

  toJSON(): TripPolicyJSON {
    const size = this.#calls.length;
    const entries: Array<{ bucket: number; calls: number; failures: number; slowCalls: number }> =
      [];
    // An empty window may have no head yet (-Infinity), which no loop could count from.
    if (this.#totalCalls === 0)
      return { type: 'time', durationMs: this.#durationMs, buckets: size, entries };
    for (let bucket = this.#head - size + 1; bucket <= this.#head; bucket++) {
      const slot = this.#slotOf(bucket);
      const calls = this.#calls[slot]!;
      if (calls > 0) {
        entries.push({
          bucket,
          calls,
          failures: this.#failures[slot]!,
          slowCalls: this.#slowCalls[slot]!,
        });
      }
    }
    return { type: 'time', durationMs: this.#durationMs, buckets: size, entries };
  }

  restore(json: TripPolicyJSON, now: number): void {
    if (json.type !== 'time') return;
    if (json.durationMs !== this.#durationMs || json.buckets !== this.#calls.length) return;
    if (!Array.isArray(json.entries)) return;
    this.reset();
    for (const entry of json.entries) {
      if (!Number.isInteger(entry.bucket)) continue;
      // Half a bucket in, so float rounding cannot land the entry in the bucket before.
      const slot = this.#advance((entry.bucket + 0.5) * this.#bucketMs);
      this.#calls[slot]! += entry.calls;
      this.#failures[slot]! += entry.failures;
      this.#slowCalls[slot]! += entry.slowCalls;
      this.#totalCalls += entry.calls;
      this.#totalFailures += entry.failures;
      this.#totalSlowCalls += entry.slowCalls;
    }
    this.#advance(now);
  }

  #slotOf(bucket: number): number {
    const size = this.#calls.length;
    return ((bucket % size) + size) % size;
  }

  /** Moves the head to the bucket of `now`, emptying the buckets that aged out; returns its slot. */
  #advance(now: number): number {
    const bucket = Math.floor(now / this.#bucketMs);
    // A clock that steps backwards records into the newest bucket rather than corrupting sums.
    if (bucket <= this.#head) return this.#slotOf(this.#head);
    const size = this.#calls.length;
    if (bucket - this.#head >= size) {
      this.reset();
    } else {
      for (let b = this.#head + 1; b <= bucket; b++) {
        const slot = this.#slotOf(b);
        this.#totalCalls -= this.#calls[slot]!;
        this.#totalFailures -= this.#failures[slot]!;
        this.#totalSlowCalls -= this.#slowCalls[slot]!;
        this.#calls[slot] = 0;
        this.#failures[slot] = 0;
        this.#slowCalls[slot] = 0;
      }
    }
    this.#head = bucket;
    return this.#slotOf(bucket);
  }
}

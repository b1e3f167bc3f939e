/** How a peer's failing `create` is retried. */
export interface CreateRetryOptions {
  /**
   * Wait after the first failure, in ms; each further failure multiplies it by `multiplier`.
   * @default 100
   */
  baseDelayMs?: number;
  /**
   * The longest wait between two attempts, in ms.
   * @default 10_000
   */
  maxDelayMs?: number;
  /**
   * Growth of the wait from one failure to the next.
   * @default 2
   */
  multiplier?: number;
  /**
   * Share of each wait that is randomised away, so peers that failed together do not retry in
   * lock-step: the wait is between `(1 - jitterRatio) × delay` and `delay`. In `[0, 1)`.
   * @default 0.2
   */
  jitterRatio?: number;
}

export type ResolvedCreateRetry = Required<CreateRetryOptions>;

export const defaultCreateRetry: ResolvedCreateRetry = {
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitterRatio: 0.2,
};

/** The wait after `failures` consecutive failures (`failures >= 1`), before jitter. */
export function createRetryDelayMs(failures: number, retry: ResolvedCreateRetry): number {
  const delay = retry.baseDelayMs * retry.multiplier ** Math.max(0, failures - 1);
  return Math.min(retry.maxDelayMs, delay);
}

/**
 * The backoff gate of one peer. After a failure, at most one attempt is let through per backoff
 * window however many creates generic-pool starts, which is what stops its create/fail/create
 * spin: generic-pool re-dispenses (and so re-creates) the moment a create rejects.
 */
export class CreateBackoff {
  #failures = 0;
  #nextAttemptAt = 0;
  #lastError: unknown;
  readonly #retry: ResolvedCreateRetry;
  readonly #random: () => number;

  constructor(retry: ResolvedCreateRetry, random: () => number = Math.random) {
    this.#retry = retry;
    this.#random = random;
  }

  /** Consecutive failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** The error of the last failed attempt while failing, else `undefined`. */
  get lastError(): unknown {
    return this.#failures > 0 ? this.#lastError : undefined;
  }

  /** How long an attempt must still wait at `nowMs` (0: it may go now). */
  waitMs(nowMs: number): number {
    return Math.max(0, this.#nextAttemptAt - nowMs);
  }

  /**
   * Called when an attempt starts; while failing, it takes the whole window for itself. Returns
   * a ticket for {@link CreateBackoff.failed}.
   */
  begin(nowMs: number): number {
    if (this.#failures > 0) this.#nextAttemptAt = nowMs + this.#delay(this.#failures);
    return this.#failures;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#nextAttemptAt = 0;
    this.#lastError = undefined;
  }

  /**
   * Records a failure and returns the wait before the next attempt, in ms. Attempts that began
   * together (generic-pool starts up to maxPerPeer at once) and fail together count as one
   * failure, so a burst does not escalate the backoff by its size.
   */
  failed(nowMs: number, error: unknown, ticket: number = this.#failures): number {
    this.#lastError = error;
    if (ticket === this.#failures) {
      this.#failures += 1;
      const delay = this.#delay(this.#failures);
      this.#nextAttemptAt = Math.max(this.#nextAttemptAt, nowMs + delay);
    }
    return Math.max(0, this.#nextAttemptAt - nowMs);
  }

  #delay(failures: number): number {
    const delay = createRetryDelayMs(failures, this.#retry);
    return delay * (1 - this.#retry.jitterRatio * this.#random());
  }
}

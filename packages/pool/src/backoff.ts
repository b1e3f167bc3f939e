/**
 * How a peer's failing `create` is retried, in the retry vocabulary every `@x` package shares.
 * Retries are driven by the acquires that wait: while one waits, a failed create is tried again
 * after a backoff wait, until it succeeds, the acquire times out, or one of the limits below
 * fails the waiting acquires at once with `CreateFailedError`.
 */
export interface CreateRetryOptions {
  /**
   * Create attempts an acquire waits through, the first one included: when that many have
   * failed since it began waiting, it rejects with `CreateFailedError` (reason `'max-attempts'`)
   * instead of waiting out `acquireTimeoutMs`. Attempts that began together and failed together
   * count once. An integer >= 1, or `Infinity`.
   * @default Infinity (retried until the acquire times out)
   */
  maxAttempts?: number;
  /**
   * The first wait's cap, in ms; each further failure multiplies it by `multiplier`.
   * @default 100
   */
  baseDelayMs?: number;
  /**
   * No wait is longer than this, in ms.
   * @default 10_000
   */
  maxDelayMs?: number;
  /**
   * How much the cap grows per failure (>= 1).
   * @default 2
   */
  multiplier?: number;
  /**
   * `'full'`: each wait is uniformly random between 0 and its cap, so peers that failed together
   * do not retry in lock-step. `'none'`: each wait is the cap itself.
   * @default 'full'
   */
  jitter?: 'full' | 'none';
  /**
   * Whether a create error is worth another attempt; `attempt` is how many attempts in a row
   * have failed, this one included (1 for the first). When it returns false, every acquire
   * waiting for a new connection to that peer rejects at once with `CreateFailedError` (reason
   * `'not-retryable'`, `cause` = `error`). If it throws, they reject with what it threw. Not
   * asked for a new connection that fails its first `validate`.
   * @default () => true
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
}

export interface ResolvedCreateRetry {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  jitter: 'full' | 'none';
  retryOn: ((error: unknown, attempt: number) => boolean) | undefined;
}

export const defaultCreateRetry: ResolvedCreateRetry = {
  maxAttempts: Number.POSITIVE_INFINITY,
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 'full',
  retryOn: undefined,
};

/** The cap of the wait after `failures` consecutive failures (`failures >= 1`). */
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
  #failedWindows = 0;
  #nextAttemptAt = 0;
  #lastError: unknown;
  readonly #retry: ResolvedCreateRetry;
  readonly #random: () => number;

  constructor(retry: ResolvedCreateRetry, random: () => number = () => Math.random()) {
    this.#retry = retry;
    this.#random = random;
  }

  /** Consecutive failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Failures ever counted (a burst that failed together counts once); never goes down. */
  get failedWindows(): number {
    return this.#failedWindows;
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
      this.#failedWindows += 1;
      const delay = this.#delay(this.#failures);
      this.#nextAttemptAt = Math.max(this.#nextAttemptAt, nowMs + delay);
    }
    return Math.max(0, this.#nextAttemptAt - nowMs);
  }

  #delay(failures: number): number {
    const cap = createRetryDelayMs(failures, this.#retry);
    return this.#retry.jitter === 'full' ? cap * this.#random() : cap;
  }
}

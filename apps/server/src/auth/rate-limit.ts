import { XServerError } from '../errors.js';

/** The caller used its calls for now; `retryAfterMs` says when the next one is allowed. */
export class RateLimitedError extends XServerError {
  readonly code = 'RATE_LIMITED';
  override readonly callerFault = true;
  constructor(
    readonly category: string,
    readonly retryAfterMs: number,
  ) {
    super(
      `Too many calls to "${category}" for this token: retry in ${Math.ceil(retryAfterMs / 1000)} s (after ${retryAfterMs} ms).`,
    );
    this.name = 'RateLimitedError';
  }
}

export interface RateLimitOptions {
  perMinute: number;
  /** Calls allowed at once; defaults to `perMinute`. */
  burst?: number | undefined;
  /** Milliseconds now (`Date.now` by default; tests use fake time). */
  now?: () => number;
  /** Buckets kept at most; the least recently used go first. */
  maxBuckets?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per principal and category, in this instance's memory: `burst` calls at once,
 * refilled at `perMinute` a minute. A full bucket is forgotten (it is the same as a new one).
 */
export class RateLimiter {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #max: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    this.#ratePerMs = options.perMinute / 60_000;
    this.#burst = options.burst ?? options.perMinute;
    this.#now = options.now ?? (() => Date.now());
    this.#max = options.maxBuckets ?? 100_000;
  }

  /** Takes one call from `principal`'s bucket for `category`, or throws `[RATE_LIMITED]`. */
  take(principal: string, category: string): void {
    const key = `${principal}\u0000${category}`;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    this.#buckets.delete(key);
    const tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#ratePerMs);
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      // Whole milliseconds, rounded up (less a hair of floating-point noise).
      const waitMs = Math.max(1, Math.ceil((1 - tokens) / this.#ratePerMs - 1e-6));
      throw new RateLimitedError(category, waitMs);
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.#buckets.size > this.#max) {
      this.#buckets.delete(this.#buckets.keys().next().value as string);
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}

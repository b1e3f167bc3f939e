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

/** What the shared limiter needs of Redis: a Lua script run, and the key prefix. */
export interface RateLimitStore {
  readonly namespace: string;
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
}

/** One bucket, atomically: refill by elapsed time, take a call or answer the wait in ms. */
const TAKE = `
local b = redis.call('HMGET', KEYS[1], 't', 'a')
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local t = tonumber(b[1]) or burst
local a = tonumber(b[2]) or now
t = math.min(burst, t + math.max(0, now - a) * rate)
local wait = 0
if t < 1 then wait = math.ceil((1 - t) / rate - 0.000001) else t = t - 1 end
redis.call('HSET', KEYS[1], 't', tostring(t), 'a', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return wait`;

/**
 * The same token buckets kept in Redis, so every instance on it counts a principal's calls
 * together; while Redis does not answer, this instance's own buckets stand in.
 */
export class SharedRateLimiter {
  readonly #store: RateLimitStore;
  readonly #local: RateLimiter;
  readonly #burst: number;
  readonly #ratePerMs: number;
  readonly #now: () => number;
  /** Takes answered by this instance alone because Redis failed. */
  fallbacks = 0;

  constructor(store: RateLimitStore, options: RateLimitOptions) {
    this.#store = store;
    this.#local = new RateLimiter(options);
    this.#burst = options.burst ?? options.perMinute;
    this.#ratePerMs = options.perMinute / 60_000;
    this.#now = options.now ?? (() => Date.now());
  }

  async take(principal: string, category: string): Promise<void> {
    const key = `${this.#store.namespace}:ratelimit:${encodeURIComponent(principal)}:${category}`;
    let wait: number;
    try {
      wait = Number(
        await this.#store.eval(
          TAKE,
          [key],
          [String(this.#burst), String(this.#ratePerMs), String(this.#now())],
        ),
      );
    } catch {
      this.fallbacks++;
      this.#local.take(principal, category);
      return;
    }
    if (wait > 0) throw new RateLimitedError(category, Math.max(1, wait));
  }
}

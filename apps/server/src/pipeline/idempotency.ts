import type { SharedIdempotencyWindow } from '../backends/redis-idempotency.js';

/** Options of {@link IdempotencyStore}. */
export interface IdempotencyOptions {
  /** How long a key is remembered after its call started (`idempotency.windowMs`). */
  windowMs: number;
  /** How many keys are kept at most; the oldest go first (`idempotency.maxKeys`). */
  maxKeys: number;
  /** The clock, injectable for tests. @default Date.now */
  now?: () => number;
  /**
   * The window shared with other instances (Redis), asked before a key's first call here runs.
   * @default none: the window is this instance's
   */
  shared?: SharedIdempotencyWindow | undefined;
}

/**
 * A call's outcome by key. `replayed` is final once `promise` has settled: with a shared window,
 * whether another instance answered is known only then.
 */
export interface Remembering<T> {
  promise: Promise<T>;
  readonly replayed: boolean;
}

interface Remembered {
  promise: Promise<unknown>;
  expiresAt: number;
}

/**
 * Remembers the outcome of calls by idempotency key for a window, so a retried call (also one
 * that arrives while the first is still running) gets the first call's result instead of running
 * the tool again. A call that fails is forgotten at once: a retry after a failure runs again.
 */
export class IdempotencyStore {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #shared: SharedIdempotencyWindow | undefined;
  // Map keeps insertion order, so the first key is always the oldest.
  readonly #entries = new Map<string, Remembered>();
  #hits = 0;
  #misses = 0;

  constructor(options: IdempotencyOptions) {
    const { windowMs, maxKeys, now = Date.now, shared } = options;
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(`idempotency windowMs must be a finite number >= 0; got ${windowMs}.`);
    }
    if (!Number.isInteger(maxKeys) || maxKeys < 1) {
      throw new RangeError(`idempotency maxKeys must be an integer >= 1; got ${maxKeys}.`);
    }
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
    this.#now = now;
    this.#shared = windowMs > 0 ? shared : undefined;
  }

  /**
   * Runs `fn` unless `key` was seen inside the window (here, or on another instance of the shared
   * window); then answers with the first outcome. `signal` bounds waiting for another instance.
   */
  run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Remembering<T> {
    const now = this.#now();
    this.#evictExpired(now);
    const seen = this.#entries.get(key);
    if (seen) {
      this.#hits++;
      return { promise: seen.promise as Promise<T>, replayed: true };
    }
    this.#misses++;
    const shared = this.#shared;
    let replayedElsewhere = false;
    const promise = shared
      ? shared.run(key, fn, { windowMs: this.#windowMs, signal }).then((outcome) => {
          replayedElsewhere = outcome.replayed;
          return outcome.value;
        })
      : fn();
    const entry: Remembered = { promise, expiresAt: now + this.#windowMs };
    this.#entries.set(key, entry);
    promise.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    if (this.#entries.size > this.#maxKeys) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    if (!shared) return { promise, replayed: false };
    return {
      promise,
      get replayed() {
        return replayedElsewhere;
      },
    };
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }

  stats(): { keys: number; hits: number; misses: number } {
    return { keys: this.#entries.size, hits: this.#hits, misses: this.#misses };
  }

  clear(): void {
    this.#entries.clear();
  }
}

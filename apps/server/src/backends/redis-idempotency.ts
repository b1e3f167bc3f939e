import { createHash } from 'node:crypto';
import type { LeasedRuns } from './redis-lease.js';

export interface SharedWindowRun {
  /** How long the outcome is remembered, from the call's start (`idempotency.windowMs`). */
  windowMs: number;
  /** The caller gives up waiting for another instance's run when it aborts. */
  signal?: AbortSignal | undefined;
}

/**
 * The idempotency window shared by every instance on one Redis: what the in-instance
 * `IdempotencyStore` (pipeline/idempotency.ts) asks before running a call with a key.
 */
export interface SharedIdempotencyWindow {
  /**
   * Runs `fn` unless a call with `key` ran (or runs) on any instance inside the window: then
   * waits for it and answers with its value (`replayed: true`).
   */
  run<T>(
    key: string,
    fn: () => Promise<T>,
    options: SharedWindowRun,
  ): Promise<{ value: T; replayed: boolean }>;
}

/**
 * The idempotency window in Redis, on the lease protocol of `LeasedRuns`: the first call with a
 * key records that it is in flight (a lease its instance renews), then its result, kept until
 * the window (counted from the call's start) ends. A repeat on any instance waits for the first
 * (bounded by its own signal and call timeout) or replays its result. A call that fails is
 * forgotten at once, as in one instance: the next repeat runs. Redis away: the call runs, and
 * the instance's own window still answers its own repeats.
 */
export class RedisIdempotency implements SharedIdempotencyWindow {
  readonly #runs: LeasedRuns;
  readonly #timeoutFor: (key: string) => { ms: number; name: string } | undefined;

  /**
   * @param timeoutFor the call timeout of a key's calls (its category's `timeoutMs`), which
   *   bounds waiting for another instance's run.
   */
  constructor(
    runs: LeasedRuns,
    timeoutFor: (key: string) => { ms: number; name: string } | undefined,
  ) {
    this.#runs = runs;
    this.#timeoutFor = timeoutFor;
  }

  async run<T>(
    key: string,
    fn: () => Promise<T>,
    options: SharedWindowRun,
  ): Promise<{ value: T; replayed: boolean }> {
    const startedAt = Date.now();
    // Keys are the caller's: hashed, so a long key costs Redis no more than a short one.
    const name = `idem:${createHash('sha256').update(key).digest('base64url')}`;
    const outcome = await this.#runs.run(name, fn, {
      signal: options.signal,
      timeout: this.#timeoutFor(key),
      keepMs: () => options.windowMs - (Date.now() - startedAt),
    });
    return { value: outcome.value, replayed: outcome.from === 'shared' };
  }
}

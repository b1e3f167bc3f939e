import type { CircuitBreaker, Clock } from '../src/index.js';

/** A clock that moves only when told to; timers fire in order during `advance`. */
export class FakeClock implements Clock {
  nowMs: number;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();
  #nextId = 1;

  constructor(startMs = 1_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.nowMs + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Number.POSITIVE_INFINITY;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= target && timer.at < nextAt) {
          nextId = id;
          nextAt = timer.at;
        }
      }
      if (nextId === undefined) break;
      const timer = this.#timers.get(nextId)!;
      this.#timers.delete(nextId);
      this.nowMs = timer.at;
      timer.callback();
    }
    this.nowMs = target;
  }
}

/** mulberry32: a tiny seeded PRNG so jittered delays are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const backendDown = new Error('backend down');

/** Runs one failing call through the breaker and swallows its rejection. */
export async function fail(breaker: CircuitBreaker, error: unknown = backendDown): Promise<void> {
  await breaker
    .execute(() => {
      throw error;
    })
    .catch(() => undefined);
}

/** Runs one successful call through the breaker. */
export async function succeed(breaker: CircuitBreaker): Promise<void> {
  await breaker.execute(async () => 'ok');
}

/** A call that stays in flight until `resolve` or `reject` is called. */
export function deferred<T = string>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

import type { LeasedRuns } from './redis-lease.js';
import type { CoalesceCaller, CoalescedRun, Coalescer, CoalescerFigures } from './types.js';

export interface RedisCoalescerFigures extends CoalescerFigures {
  /** Runs whose result another instance computed (this instance waited for it). */
  fromOtherInstances: number;
}

/**
 * Coalescing across instances: identical cacheable calls (same cache key) in flight together on
 * any instances of one Redis run the tool once. Within the instance the `local` coalescer joins
 * them first, so one caller per instance asks Redis: the instance that takes the key's lease runs
 * the tool (the run writes the result cache as usual), the others wait for its result, bounded
 * by the lease (an instance that died is taken over), their signal and their call timeout.
 * Progress of a run on another instance is not relayed; an error is not shared (a waiter runs the
 * tool itself). Redis away: per-instance coalescing only, counted.
 */
export class RedisCoalescer implements Coalescer {
  readonly #local: Coalescer;
  readonly #runs: LeasedRuns;
  readonly #timeoutFor: (key: string) => { ms: number; name: string } | undefined;
  #fromOthers = 0;

  constructor(
    local: Coalescer,
    runs: LeasedRuns,
    timeoutFor: (key: string) => { ms: number; name: string } | undefined,
  ) {
    this.#local = local;
    this.#runs = runs;
    this.#timeoutFor = timeoutFor;
  }

  run<T, E = never>(
    key: string,
    fn: (run: CoalescedRun<E>) => Promise<T>,
    caller?: CoalesceCaller<E>,
  ): { promise: Promise<T>; joined: boolean } {
    return this.#local.run<T, E>(
      key,
      async (run) => {
        const outcome = await this.#runs.run(`run:${key}`, () => fn(run), {
          signal: run.signal,
          timeout: this.#timeoutFor(key),
          // Waiters are woken by the announcement; the result itself lives in the result cache.
          keepMs: () => 1_000,
        });
        if (outcome.from === 'shared') this.#fromOthers++;
        return outcome.value;
      },
      caller,
    );
  }

  stats(): RedisCoalescerFigures {
    return { ...this.#local.stats(), fromOtherInstances: this.#fromOthers };
  }
}

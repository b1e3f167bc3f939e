import type { Clock } from './clock.js';
import { cancelRequest, type ResourceRequest } from './generic-pool.js';

interface Wait {
  readonly timer: unknown;
  /** The peer's `CreateBackoff.failedWindows` when the acquire began waiting. */
  readonly failuresBefore: number;
}

/**
 * The acquires of one peer that generic-pool could not serve at once, each with its acquire
 * timeout: a ref'd timer through the clock (someone awaits the acquire), cleared when the acquire
 * settles. Ending a wait early (timeout, or create failures that make it pointless) rejects
 * generic-pool's request, which also takes it out of generic-pool's queue.
 */
export class WaitingAcquires {
  readonly #clock: Clock;
  readonly #waits = new Map<ResourceRequest, Wait>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#waits.size;
  }

  /** Starts timing `request`; after `timeoutMs` it is cancelled with `timeoutError()`. */
  add(
    request: ResourceRequest,
    timeoutMs: number,
    timeoutError: () => unknown,
    failuresBefore: number,
  ): void {
    const timer = this.#clock.setTimeout(() => cancelRequest(request, timeoutError()), timeoutMs);
    this.#waits.set(request, { timer, failuresBefore });
  }

  /** The request settled (served, timed out or cancelled): stop timing it. */
  delete(request: ResourceRequest): void {
    const wait = this.#waits.get(request);
    if (wait === undefined) return;
    this.#waits.delete(request);
    this.#clock.clearTimeout(wait.timer);
  }

  /**
   * Cancels every waiting request for which `reason(failuresBefore)` returns an error (with
   * that error); `undefined` leaves it waiting.
   */
  cancelWhere(reason: (failuresBefore: number) => unknown): void {
    for (const [request, wait] of this.#waits) {
      const error = reason(wait.failuresBefore);
      if (error !== undefined) cancelRequest(request, error);
    }
  }
}

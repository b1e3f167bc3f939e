/**
 * The calls a `Cache` has running, so `close()` can wait for them to settle before it closes
 * the tiers they write to.
 */
export class RunningCalls {
  readonly #running = new Set<Promise<unknown>>();

  /** Tracks `promise` until it settles and returns it unchanged. */
  track<T>(promise: Promise<T>): Promise<T> {
    if (!this.#running.has(promise)) {
      this.#running.add(promise);
      const forget = () => this.#running.delete(promise);
      promise.then(forget, forget);
    }
    return promise;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Resolves once every tracked call has settled, including calls they started meanwhile. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}

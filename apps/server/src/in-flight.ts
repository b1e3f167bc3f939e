/**
 * Counts work in progress and wakes whoever waits for none to be left: the dispatcher's calls,
 * a gateway's listings and calls, one peer connection's requests. Shutdown waits on it.
 */
export class InFlight {
  #count = 0;
  readonly #waiters = new Set<() => void>();

  get count(): number {
    return this.#count;
  }

  begin(): void {
    this.#count++;
  }

  end(): void {
    this.#count--;
    if (this.#count === 0) for (const wake of [...this.#waiters]) wake();
  }

  /**
   * Resolves when nothing is in flight, after `timeoutMs`, or when `signal` aborts, whichever
   * comes first; never rejects. Its timer guards work the caller awaits (a shutdown), so it keeps
   * the process alive until it fires or the wait ends, and is cleared then.
   */
  idle(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#count === 0 || timeoutMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

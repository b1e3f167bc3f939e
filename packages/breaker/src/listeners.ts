/** Removes the listener it was returned for; calling it again does nothing. */
export type Disposer = () => void;

/**
 * A tiny typed event: listeners are kept in an array that is replaced, never mutated, so a
 * listener that disposes itself (or another) during an emit cannot skip anyone.
 */
export class Listeners<Args extends unknown[]> {
  #list: ReadonlyArray<(...args: Args) => void> = [];

  get size(): number {
    return this.#list.length;
  }

  add(listener: (...args: Args) => void): Disposer {
    if (typeof listener !== 'function') {
      throw new TypeError('listener must be a function.');
    }
    this.#list = [...this.#list, listener];
    let disposed = false;
    return () => {
      if (disposed) return;
      disposed = true;
      const index = this.#list.indexOf(listener);
      if (index !== -1) this.#list = this.#list.filter((_, i) => i !== index);
    };
  }

  emit(...args: Args): void {
    for (const listener of this.#list) {
      try {
        listener(...args);
      } catch (error) {
        // A listener's bug must not corrupt the breaker's bookkeeping mid-call; it still
        // surfaces, as an uncaught exception, like an EventEmitter listener's would.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.#list = [];
  }
}

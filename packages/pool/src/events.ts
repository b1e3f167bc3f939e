/** Why a peer's pool was closed by the pool itself. */
export type PeerEvictionReason = 'max-peers' | 'max-total' | 'idle';

/** The events of a {@link PeerPool} and what each listener receives. */
export interface PeerPoolEvents<Conn> {
  /** A connection was created. */
  create: { peerId: string; conn: Conn };
  /** A connection is being destroyed (handed to the `destroy` option). */
  destroy: { peerId: string; conn: Conn };
  /** `create` threw, rejected or timed out; the next attempt waits `retryInMs`. */
  createError: { peerId: string; error: unknown; failures: number; retryInMs: number };
  /** `destroy` threw, rejected or timed out; the connection is forgotten all the same. */
  destroyError: { peerId: string; conn: Conn; error: unknown };
  /** A peer's pool was closed to make room or because it sat idle. */
  peerEvicted: { peerId: string; reason: PeerEvictionReason };
}

/** Returned by `on()`: `dispose()` removes the listener; calling it again does nothing. */
export interface Disposable {
  dispose(): void;
}

type Listener<T> = (event: T) => void;

/**
 * A tiny typed emitter. Listener arrays are replaced, never mutated, so a listener that disposes
 * itself during an emit cannot make another one be skipped.
 */
export class Emitter<Events extends object> {
  #listeners: { [E in keyof Events]?: ReadonlyArray<Listener<Events[E]>> } = {};

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): Disposable {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function.');
    this.#listeners[event] = [...(this.#listeners[event] ?? []), listener];
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.#listeners[event] = (this.#listeners[event] ?? []).filter((l) => l !== listener);
      },
    };
  }

  has(event: keyof Events): boolean {
    return (this.#listeners[event]?.length ?? 0) > 0;
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const listeners = this.#listeners[event];
    if (listeners === undefined) return;
    for (const listener of listeners) {
      try {
        listener(payload);
      } catch (error) {
        // A listener's bug must not corrupt the pool's bookkeeping halfway through; it still
        // surfaces as an uncaught exception, as an EventEmitter listener's would.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

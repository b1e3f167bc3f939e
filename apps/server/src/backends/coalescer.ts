import { CallCancelledError } from '../errors.js';
import type { CoalesceCaller, CoalescedRun, Coalescer, CoalescerFigures } from './types.js';

/** One run in flight and the callers waiting for it. */
class Flight<E> implements CoalescedRun<E> {
  readonly #controller = new AbortController();
  readonly listeners = new Set<(event: E) => void>();
  promise!: Promise<unknown>;
  /** Callers waiting for the run that can still cancel, plus one per caller that cannot. */
  waiting = 0;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get abandoned(): boolean {
    return this.#controller.signal.aborted;
  }

  abandon(reason: unknown): void {
    this.#controller.abort(reason);
  }

  emit(event: E): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One caller's listener must not stop the others from hearing the event.
      }
    }
  }
}

/**
 * Coalescing within one instance: a map from key to the run in flight. A caller that cancels
 * leaves at once (rejected with `CallCancelledError`); the run is aborted only when the last
 * caller waiting for it has left, and from then on a new caller starts a fresh run.
 */
export class LocalCoalescer implements Coalescer {
  readonly #flights = new Map<string, Flight<unknown>>();
  #runs = 0;
  #coalesced = 0;
  #abandoned = 0;

  run<T, E = never>(
    key: string,
    fn: (run: CoalescedRun<E>) => Promise<T>,
    caller?: CoalesceCaller<E>,
  ): { promise: Promise<T>; joined: boolean } {
    const signal = caller?.signal;
    if (signal?.aborted) {
      return { promise: Promise.reject(new CallCancelledError(signal.reason)), joined: false };
    }
    const existing = this.#flights.get(key) as Flight<E> | undefined;
    const joined = existing !== undefined;
    const flight = existing ?? new Flight<E>();
    if (joined) this.#coalesced++;
    flight.waiting++;
    const onEvent = caller?.onEvent;
    if (onEvent) flight.listeners.add(onEvent);
    // Started once the first caller listens, so even an event emitted at once reaches it.
    if (!joined) this.#start(key, flight, fn);
    if (signal === undefined) {
      if (!onEvent) return { promise: flight.promise as Promise<T>, joined };
      const listeners = flight.listeners;
      const forget = () => listeners.delete(onEvent);
      flight.promise.then(forget, forget);
      return { promise: flight.promise as Promise<T>, joined };
    }
    return { promise: this.#wait(key, flight, signal, onEvent), joined };
  }

  #start<T, E>(key: string, flight: Flight<E>, fn: (run: CoalescedRun<E>) => Promise<T>): void {
    this.#runs++;
    this.#flights.set(key, flight as Flight<unknown>);
    const forget = () => {
      if (this.#flights.get(key) === (flight as Flight<unknown>)) this.#flights.delete(key);
    };
    // The function runs synchronously, as an uncoalesced call would; a throw is its rejection.
    let promise: Promise<T>;
    try {
      promise = fn(flight);
    } catch (error) {
      promise = Promise.reject(error);
    }
    flight.promise = promise;
    promise.then(forget, forget);
  }

  /** This caller's view of the run: the run's outcome, or its own cancellation first. */
  #wait<T, E>(
    key: string,
    flight: Flight<E>,
    signal: AbortSignal,
    onEvent: ((event: E) => void) | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (onEvent) flight.listeners.delete(onEvent);
        reject(new CallCancelledError(signal.reason));
        if (--flight.waiting > 0) return;
        // The last caller left: nobody wants the result any more.
        this.#abandoned++;
        if (this.#flights.get(key) === (flight as Flight<unknown>)) this.#flights.delete(key);
        flight.abandon(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        signal.removeEventListener('abort', onAbort);
        if (onEvent) flight.listeners.delete(onEvent);
      };
      (flight.promise as Promise<T>).then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  stats(): CoalescerFigures {
    return {
      runs: this.#runs,
      coalesced: this.#coalesced,
      abandoned: this.#abandoned,
      inFlight: this.#flights.size,
    };
  }
}

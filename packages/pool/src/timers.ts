import { type Clock, type TimerHandle, unrefTimer } from './clock.js';

/** Starts a timeout and returns its cancel function. */
export type StartTimer = (callback: () => void, ms: number) => () => void;

/** A ref'd timer through `clock`: for a wait a caller is awaiting. */
export function awaitedTimer(clock: Clock): StartTimer {
  return (callback, ms) => {
    const handle = clock.setTimeout(callback, ms);
    return () => clock.clearTimeout(handle);
  };
}

interface Entry {
  readonly callback: () => void;
  readonly at: number;
  handle: TimerHandle;
  refd: boolean;
}

/**
 * The timeouts of work done for someone who may or may not be waiting for it (a peer's creates,
 * validations, destroys and backoff waits): each is ref'd while `awaited()` holds and unref'd
 * otherwise. When that changes, call `update()`: a timer whose state no longer fits is cleared
 * and set again for the time it has left, so a timer nobody awaits any more stops holding the
 * process the moment its last waiter gives up.
 */
export class GuardTimers {
  readonly #clock: Clock;
  readonly #awaited: () => boolean;
  readonly #entries = new Set<Entry>();

  constructor(clock: Clock, awaited: () => boolean) {
    this.#clock = clock;
    this.#awaited = awaited;
  }

  get size(): number {
    return this.#entries.size;
  }

  readonly start: StartTimer = (callback, ms) => {
    const entry: Entry = {
      callback,
      at: this.#clock.now() + ms,
      handle: undefined,
      refd: this.#awaited(),
    };
    this.#arm(entry, ms);
    this.#entries.add(entry);
    return () => {
      if (this.#entries.delete(entry)) this.#clock.clearTimeout(entry.handle);
    };
  };

  /** Re-arms every timer whose ref'd state no longer matches `awaited()`. */
  update(): void {
    if (this.#entries.size === 0) return;
    const awaited = this.#awaited();
    const nowMs = this.#clock.now();
    for (const entry of this.#entries) {
      if (entry.refd === awaited) continue;
      this.#clock.clearTimeout(entry.handle);
      entry.refd = awaited;
      this.#arm(entry, Math.max(0, entry.at - nowMs));
    }
  }

  #arm(entry: Entry, ms: number): void {
    entry.handle = this.#clock.setTimeout(() => {
      this.#entries.delete(entry);
      entry.callback();
    }, ms);
    if (!entry.refd) unrefTimer(entry.handle);
  }
}

/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms` (timed by `startTimer`).
 * `onLate` receives a value that arrives after the timeout, so its owner can dispose of it
 * instead of leaking it.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  startTimer: StartTimer,
  ms: number,
  onTimeout: () => Error,
  onLate?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const cancel = startTimer(() => {
      timedOut = true;
      reject(onTimeout());
    }, ms);
    promise.then(
      (value) => {
        if (timedOut) onLate?.(value);
        else {
          cancel();
          resolve(value);
        }
      },
      (error: unknown) => {
        if (!timedOut) {
          cancel();
          reject(error);
        }
      },
    );
  });
}

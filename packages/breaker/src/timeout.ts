import type { Clock, TimerHandle } from './clock.js';
import { BreakerTimeoutError } from './errors.js';

/**
 * One call's deadline, and the context the call receives. Its `signal` is created on first
 * read: an AbortController costs more than the rest of a timed call together, and most calls
 * never look at their signal. The timer guards work the caller awaits, so it is left ref'd
 * (keeping the process alive until the call settles or times out) and cleared on settling.
 * The breaker tells its own timeout from one thrown by a nested breaker by identity
 * (`error === timeout.error`).
 */
export class CallTimeout {
  /** The error the race rejected with, once the timer fired. */
  error: BreakerTimeoutError | undefined;
  readonly #breakerName: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #callerSignal: AbortSignal | undefined;
  #controller: AbortController | undefined;
  readonly #timer: TimerHandle;
  #reject: ((error: unknown) => void) | undefined;
  #onCallerAbort: (() => void) | undefined;

  constructor(clock: Clock, breakerName: string, timeoutMs: number, callerSignal?: AbortSignal) {
    this.#clock = clock;
    this.#breakerName = breakerName;
    this.#timeoutMs = timeoutMs;
    this.#callerSignal = callerSignal;
    this.#timer = clock.setTimeout(this.#onTimeout, timeoutMs);
  }

  /** Aborted by the timer (reason: the `BreakerTimeoutError`) or by the caller's signal. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.error !== undefined) this.#controller.abort(this.error);
      else if (this.#callerSignal?.aborted) this.#controller.abort(this.#callerSignal.reason);
      else if (this.#callerSignal !== undefined) {
        const controller = this.#controller;
        const callerSignal = this.#callerSignal;
        this.#onCallerAbort = () => controller.abort(callerSignal.reason);
        callerSignal.addEventListener('abort', this.#onCallerAbort);
      }
    }
    return this.#controller.signal;
  }

  /** Settles as `call` does, or rejects with `BreakerTimeoutError` when the timer fires first. */
  race<T>(call: PromiseLike<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // A fake clock advanced from inside the call can fire the timer before the race starts.
      if (this.error !== undefined) reject(this.error);
      this.#reject = reject;
      Promise.resolve(call).then(
        (value) => {
          this.#clear();
          resolve(value);
        },
        (error: unknown) => {
          this.#clear();
          reject(error);
        },
      );
    });
  }

  #onTimeout = (): void => {
    this.error = new BreakerTimeoutError(this.#breakerName, this.#timeoutMs);
    this.#controller?.abort(this.error);
    this.#removeCallerListener();
    this.#reject?.(this.error);
  };

  #clear(): void {
    if (this.error !== undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#removeCallerListener();
  }

  #removeCallerListener(): void {
    if (this.#onCallerAbort !== undefined) {
      this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
    }
  }
}

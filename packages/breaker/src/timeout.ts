import type { Clock, TimerHandle } from './clock.js';
import { TimeoutError } from './errors.js';

/**
 * One call's deadline: an AbortController aborted by the caller's signal or by the timer, and a
 * race between the call and the timer. The breaker tells its own timeout from one thrown by a
 * nested breaker by identity (`error === timeout.error`).
 */
export class CallTimeout {
  readonly signal: AbortSignal;
  /** The error the race rejected with, once the timer fired. */
  error: TimeoutError | undefined;
  readonly #controller = new AbortController();
  readonly #callerSignal: AbortSignal | undefined;
  readonly #clock: Clock;
  readonly #timer: TimerHandle;
  readonly #deadline: Promise<never>;

  constructor(clock: Clock, breakerName: string, timeoutMs: number, callerSignal?: AbortSignal) {
    this.signal = this.#controller.signal;
    this.#clock = clock;
    this.#callerSignal = callerSignal;
    callerSignal?.addEventListener('abort', this.#onCallerAbort);
    let reject: (error: TimeoutError) => void = () => {};
    this.#deadline = new Promise<never>((_, rejectDeadline) => {
      reject = rejectDeadline;
    });
    this.#timer = clock.setTimeout(() => {
      this.error = new TimeoutError(breakerName, timeoutMs);
      this.#controller.abort(this.error);
      reject(this.error);
    }, timeoutMs);
  }

  /** Settles as `call` does, or rejects with `TimeoutError` when the timer fires first. */
  race<T>(call: PromiseLike<T> | T): Promise<T> {
    return Promise.race([call, this.#deadline]).finally(this.#clear);
  }

  #onCallerAbort = (): void => {
    this.#controller.abort(this.#callerSignal?.reason);
  };

  #clear = (): void => {
    this.#clock.clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  };
}

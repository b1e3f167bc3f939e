import { CreateBackoff } from './backoff.js';
import { CreateFailedError } from './errors.js';
import type { PeerContext } from './peer.js';
import type { Counters } from './stats.js';
import type { StartTimer } from './timers.js';
import type { SlotClaimant } from './total-limiter.js';
import { callCreate, callDestroy } from './user-calls.js';
import type { WaitingAcquires } from './waiting-acquires.js';

/** A create given up because nobody needs its connection any more; not a create error. */
export class CreateCancelledError extends Error {
  override readonly name = 'CreateCancelledError';
}

/** What the creates of a peer need from it. */
export interface CreatesOwner extends SlotClaimant {
  readonly id: string;
  readonly counters: Counters;
}

/**
 * The creates of one peer: each passes the backoff gate (sleeping on a guard timer, so ref'd
 * only while an acquire waits) and the total limiter, then calls `create` within
 * `createTimeoutMs`. A failure is counted, reported, and may end waiting acquires at once
 * (`createRetry.retryOn`, `createRetry.maxAttempts`).
 */
export class PeerCreates<Conn extends object> {
  readonly #owner: CreatesOwner;
  readonly #ctx: PeerContext<Conn>;
  readonly #startTimer: StartTimer;
  readonly #waiting: WaitingAcquires;
  readonly #backoff: CreateBackoff;
  readonly #wakers = new Set<() => void>();

  constructor(
    owner: CreatesOwner,
    ctx: PeerContext<Conn>,
    startTimer: StartTimer,
    waiting: WaitingAcquires,
  ) {
    this.#owner = owner;
    this.#ctx = ctx;
    this.#startTimer = startTimer;
    this.#waiting = waiting;
    this.#backoff = new CreateBackoff(ctx.options.createRetry);
  }

  /** The error of the last failed create while creates are failing, else `undefined`. */
  get lastError(): unknown {
    return this.#backoff.lastError;
  }

  /** Failures counted so far (never goes down): an acquire notes it when it begins waiting. */
  get failedWindows(): number {
    return this.#backoff.failedWindows;
  }

  async create(): Promise<Conn> {
    const { options, limiter, events, totals } = this.#ctx;
    const { clock } = options;
    const owner = this.#owner;
    for (
      let waitMs = this.#backoff.waitMs(clock.now());
      waitMs > 0;
      waitMs = this.#backoff.waitMs(clock.now())
    ) {
      await this.#sleep(waitMs);
      if (!owner.wantsConnection) throw new CreateCancelledError();
    }
    const ticket = this.#backoff.begin(clock.now());
    const reserved = limiter.reserve(owner);
    if (reserved !== true && !(await reserved)) throw new CreateCancelledError();
    try {
      return await callCreate(options, owner.id, this.#startTimer, (late) => {
        void callDestroy(options, events, owner.id, late, this.#startTimer);
      });
    } catch (error) {
      limiter.release();
      const retryInMs = this.#backoff.failed(clock.now(), error, ticket);
      owner.counters.createErrors += 1;
      totals.createErrors += 1;
      events.emit('createError', {
        peerId: owner.id,
        error,
        failures: this.#backoff.failures,
        retryInMs,
      });
      this.#failHopelessWaits(error, true);
      throw error;
    }
  }

  /** A new connection passed its first check (or needed none): the peer's creates work again. */
  succeeded(): void {
    this.#backoff.succeeded();
  }

  /**
   * A new connection failed its first `validate`. generic-pool replaces an invalid connection
   * at once, so a validate that always fails would spin create/destroy: it counts as a failed
   * create, and the next one waits its turn at the backoff gate.
   */
  failedFirstCheck(): void {
    const error = new Error('validate rejected a new connection');
    this.#backoff.failed(this.#ctx.options.clock.now(), error);
    this.#failHopelessWaits(error, false);
  }

  /** Wakes the creates sleeping in backoff, so those nobody needs give up now (drain). */
  wakeAll(): void {
    for (const wake of this.#wakers) wake();
  }

  /**
   * After a failed create: rejects at once the waiting acquires that retrying cannot help, by
   * `createRetry.retryOn` (asked when `askRetryOn`) or `createRetry.maxAttempts`.
   */
  #failHopelessWaits(error: unknown, askRetryOn: boolean): void {
    const { retryOn, maxAttempts } = this.#ctx.options.createRetry;
    const ask = askRetryOn && retryOn !== undefined;
    if (this.#waiting.size === 0 || (!ask && maxAttempts === Number.POSITIVE_INFINITY)) return;
    let retryable = true;
    if (ask) {
      try {
        retryable = Boolean(retryOn(error, this.#backoff.failures));
      } catch (thrown) {
        this.#waiting.cancelWhere(() => thrown);
        return;
      }
    }
    const peerId = this.#owner.id;
    const failedWindows = this.#backoff.failedWindows;
    this.#waiting.cancelWhere((failuresBefore) => {
      const attempts = failedWindows - failuresBefore;
      if (!retryable) {
        return new CreateFailedError(peerId, 'not-retryable', Math.max(1, attempts), error);
      }
      if (attempts >= maxAttempts)
        return new CreateFailedError(peerId, 'max-attempts', attempts, error);
      return undefined;
    });
  }

  /** A backoff wait; {@link PeerCreates.wakeAll} ends it early. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let cancel = (): void => undefined;
      const wake = () => {
        cancel();
        this.#wakers.delete(wake);
        resolve();
      };
      cancel = this.#startTimer(wake, ms);
      this.#wakers.add(wake);
    });
  }
}

import type { Clock, TimerHandle } from './clock.js';
import { AcquireTimeoutError } from './errors.js';

interface SlotWaiter<P> {
  readonly peerId: string;
  /** Clock time the acquire's `acquireTimeoutMs` runs out. */
  readonly deadline: number;
  readonly resolve: (peer: P) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: TimerHandle;
}

/**
 * Acquires for new peers while `maxPeers` peers exist and none of them is idle: they wait, in
 * order, for a peer to become idle (its pool is then closed to make room), or for their timeout.
 * Each wait's timer is ref'd (a caller awaits the acquire) and cleared when the wait ends.
 */
export class PeerSlotWaiters<P> {
  readonly #clock: Clock;
  #waiters: SlotWaiter<P>[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get length(): number {
    return this.#waiters.length;
  }

  /** The peer the longest waiting acquire asks for. */
  get nextPeerId(): string | undefined {
    return this.#waiters[0]?.peerId;
  }

  /** Waits for a pool for `peerId`; rejects with `AcquireTimeoutError` after `timeoutMs`. */
  wait(peerId: string, timeoutMs: number): Promise<P> {
    return new Promise<P>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter.timer !== timer);
        reject(new AcquireTimeoutError(peerId, timeoutMs));
      }, timeoutMs);
      const deadline = this.#clock.now() + timeoutMs;
      this.#waiters.push({ peerId, deadline, resolve, reject, timer });
    });
  }

  /**
   * Settles every acquire waiting for `peerId` with what `serve` returns for each, given what
   * is left of its timeout (at least 1 ms).
   */
  grant(peerId: string, serve: (leftMs: number) => P): void {
    const nowMs = this.#clock.now();
    this.#settle(
      (waiter) => waiter.peerId === peerId,
      (waiter) => waiter.resolve(serve(Math.max(1, waiter.deadline - nowMs))),
    );
  }

  /** Rejects every waiting acquire (the pool is draining). */
  rejectAll(error: (peerId: string) => unknown): void {
    this.#settle(
      () => true,
      (waiter) => waiter.reject(error(waiter.peerId)),
    );
  }

  #settle(matches: (waiter: SlotWaiter<P>) => boolean, settle: (waiter: SlotWaiter<P>) => void) {
    const settled = this.#waiters.filter(matches);
    this.#waiters = this.#waiters.filter((waiter) => !matches(waiter));
    for (const waiter of settled) {
      this.#clock.clearTimeout(waiter.timer);
      settle(waiter);
    }
  }
}

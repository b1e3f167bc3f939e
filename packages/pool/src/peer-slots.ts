import { AcquireTimeoutError } from './errors.js';
import { type TimerHandle, unrefTimeout } from './timers.js';

interface SlotWaiter<P> {
  readonly peerId: string;
  readonly resolve: (peer: P) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: TimerHandle;
}

/**
 * Acquires for new peers while `maxPeers` peers exist and none of them is idle: they wait, in
 * order, for a peer to become idle (its pool is then closed to make room), or for their timeout.
 */
export class PeerSlotWaiters<P> {
  #waiters: SlotWaiter<P>[] = [];

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
      const timer = unrefTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter.timer !== timer);
        reject(new AcquireTimeoutError(peerId, timeoutMs));
      }, timeoutMs);
      this.#waiters.push({ peerId, resolve, reject, timer });
    });
  }

  /** Settles every acquire waiting for `peerId` with what `serve` returns for each. */
  grant(peerId: string, serve: () => P): void {
    this.#settle(
      (waiter) => waiter.peerId === peerId,
      (waiter) => waiter.resolve(serve()),
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
      clearTimeout(waiter.timer);
      settle(waiter);
    }
  }
}

/** Something that may wait for a connection slot: a peer whose create is blocked. */
export interface SlotClaimant {
  /** Whether the claimant still needs the connection (someone waits, or it is below its min). */
  readonly wantsConnection: boolean;
}

/**
 * Counts connections (live or being created) across all peers against `maxTotal`. At the limit
 * it asks its owner to free an idle connection of another peer (`reclaim`) and queues the
 * claimant; a released slot goes straight to the first claimant that still wants one.
 */
interface Waiter {
  claimant: SlotClaimant;
  grant: (granted: boolean) => void;
}

export class TotalLimiter {
  readonly max: number;
  #used = 0;
  #waiters: Waiter[] = [];
  readonly #reclaim: (claimant: SlotClaimant) => void;

  constructor(max: number, reclaim: (claimant: SlotClaimant) => void) {
    this.max = max;
    this.#reclaim = reclaim;
  }

  get used(): number {
    return this.#used;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** `true` at once when there is room, else a promise of whether a slot was granted. */
  reserve(claimant: SlotClaimant): true | Promise<boolean> {
    if (this.#used < this.max) {
      this.#used += 1;
      return true;
    }
    const granted = new Promise<boolean>((grant) => this.#waiters.push({ claimant, grant }));
    this.#reclaim(claimant);
    return granted;
  }

  /** Gives a slot back: to the first waiter that still wants it, or to the free count. */
  release(): void {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters.shift()!;
      if (waiter.claimant.wantsConnection) {
        waiter.grant(true);
        return;
      }
      waiter.grant(false);
    }
    this.#used -= 1;
  }

  /** A connection became idle somewhere: if anyone waits, try to turn it into a free slot. */
  connectionIdled(): void {
    const first = this.#waiters[0];
    if (first !== undefined) this.#reclaim(first.claimant);
  }

  /** Refuses the slots `claimant` waits for if it no longer wants them (its peer is closing). */
  cancel(claimant: SlotClaimant): void {
    if (claimant.wantsConnection) return;
    const kept: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.claimant === claimant) waiter.grant(false);
      else kept.push(waiter);
    }
    this.#waiters = kept;
  }
}

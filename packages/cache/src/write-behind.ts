/** A value waiting to be written to the lower tiers. */
export interface PendingWrite {
  value: unknown;
  /** Epoch ms after which the entry is gone (stale window included); 0 when it never expires. */
  expiresAt: number;
  /** How many lower tiers, from the top, take the write (a promotion skips the tier it came from). */
  tierCount: number;
}

export interface WriteBehindFigures {
  /** Writes queued now or being written. */
  pending: number;
  /** Writes handed to the lower tiers. */
  written: number;
  /** Writes dropped because the queue was full: those keys live in memory only. */
  dropped: number;
}

/**
 * The lower-tier writes of `Cache` with `writeBehind`: queued, latest value per key, and written
 * in one batch per turn of the event loop, one batch after the other, so a caller's `set()` waits
 * for memory only. The queue is bounded: a write that finds it full is dropped and counted.
 */
export class WriteBehindQueue {
  readonly #maxPending: number;
  readonly #writeBatch: (batch: Map<string, PendingWrite>) => Promise<void>;
  readonly #track: (promise: Promise<void>) => void;
  #pending = new Map<string, PendingWrite>();
  // The batch the tiers are writing now: still readable until it has landed.
  #writing: Map<string, PendingWrite> | undefined;
  #scheduled: Promise<void> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #written = 0;
  #dropped = 0;

  constructor(
    maxPending: number,
    writeBatch: (batch: Map<string, PendingWrite>) => Promise<void>,
    track: (promise: Promise<void>) => void,
  ) {
    this.#maxPending = maxPending;
    this.#writeBatch = writeBatch;
    this.#track = track;
  }

  /** Queues a write; false when the queue is full and it was dropped. */
  enqueue(key: string, write: PendingWrite): boolean {
    const queued = this.#pending.get(key);
    if (queued === undefined && this.#pending.size >= this.#maxPending) {
      this.#dropped++;
      return false;
    }
    if (queued !== undefined && queued.tierCount > write.tierCount) {
      write.tierCount = queued.tierCount;
    }
    this.#pending.set(key, write);
    this.#schedule();
    return true;
  }

  /** The latest value queued or being written for `key`, if any. */
  peek(key: string): PendingWrite | undefined {
    return this.#pending.get(key) ?? this.#writing?.get(key);
  }

  /** Drops the queued write of `key` (a delete came after it). */
  forget(key: string): void {
    this.#pending.delete(key);
  }

  /** Drops every queued write (a clear came after them). */
  forgetAll(): void {
    this.#pending.clear();
  }

  /** Resolves once every write queued so far (and the batch being written) has landed. */
  flush(): Promise<void> {
    return this.#scheduled ?? this.#chain;
  }

  stats(): WriteBehindFigures {
    return {
      pending: this.#pending.size + (this.#writing?.size ?? 0),
      written: this.#written,
      dropped: this.#dropped,
    };
  }

  #schedule(): void {
    if (this.#scheduled !== undefined) return;
    const scheduled = new Promise<void>((resolve) => {
      // Ref'd: the writes are work the cache still owes its tiers; close() also waits for them.
      setImmediate(resolve);
    }).then(() => {
      this.#scheduled = undefined;
      const batch = this.#pending;
      this.#pending = new Map();
      this.#chain = this.#chain.then(() => this.#write(batch));
      return this.#chain;
    });
    this.#scheduled = scheduled;
    this.#track(scheduled);
  }

  async #write(batch: Map<string, PendingWrite>): Promise<void> {
    if (batch.size === 0) return;
    this.#writing = batch;
    try {
      await this.#writeBatch(batch);
      this.#written += batch.size;
    } finally {
      if (this.#writing === batch) this.#writing = undefined;
    }
  }
}

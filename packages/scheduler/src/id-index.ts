import type { QueueEntry } from './queue-entry.js';

/**
 * The id → entry index of a queue, built on first lookup. p-queue looks tasks up by id only to
 * remove an aborted one or to change a priority, so a queue that is never asked pays nothing for
 * ids; once built it is kept up to date in O(1).
 *
 * Ids should be unique among waiting tasks (p-queue's own are). With duplicates, the most
 * recently added waiting one is the one found.
 */
export class IdIndex {
  #byId: Map<string, QueueEntry> | undefined;
  readonly #live: () => Iterable<QueueEntry>;

  constructor(live: () => Iterable<QueueEntry>) {
    this.#live = live;
  }

  get(id: string): QueueEntry | undefined {
    if (this.#byId === undefined) {
      this.#byId = new Map();
      for (const entry of this.#live()) this.#keep(this.#byId, entry);
    }
    return this.#byId.get(id);
  }

  added(entry: QueueEntry): void {
    if (this.#byId !== undefined) this.#keep(this.#byId, entry);
  }

  removed(entry: QueueEntry): void {
    if (this.#byId !== undefined && this.#byId.get(entry.id) === entry) {
      this.#byId.delete(entry.id);
    }
  }

  clear(): void {
    this.#byId?.clear();
  }

  #keep(byId: Map<string, QueueEntry>, entry: QueueEntry): void {
    if (entry.id === '') return;
    const existing = byId.get(entry.id);
    if (existing === undefined || existing.seq < entry.seq) byId.set(entry.id, entry);
  }
}

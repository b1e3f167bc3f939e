import { InheritanceCycleError } from './errors.js';
import type { QueueEntry } from './queue-entry.js';
import type { SchedulingQueue } from './scheduling-queue.js';

/** A task as the inheritance graph sees it. */
export interface InheritanceNode {
  readonly id: string;
  entry: QueueEntry | undefined;
  /** Tasks waiting on this one: they lend it their rank. */
  donors: Set<InheritanceNode> | undefined;
  /** Tasks this one waits on: it lends them its rank. */
  recipients: Set<InheritanceNode> | undefined;
}

/**
 * Priority inheritance: a task ranks at least as high as every task that waits on it,
 * transitively. Edges live until either end finishes, so a started task still passes on what it
 * inherited to the tasks it waits for.
 */
export class PriorityInheritance {
  readonly #queue: () => SchedulingQueue;

  constructor(queue: () => SchedulingQueue) {
    this.#queue = queue;
  }

  /** `donor` waits on `recipient`. Throws {@link InheritanceCycleError} on a circular wait. */
  link(recipient: InheritanceNode, donor: InheritanceNode): void {
    const cycle = this.#pathTo(recipient, donor);
    if (cycle !== undefined) throw new InheritanceCycleError([donor.id, ...cycle.map((n) => n.id)]);
    if (recipient.donors?.has(donor)) return;
    recipient.donors ??= new Set();
    recipient.donors.add(donor);
    donor.recipients ??= new Set();
    donor.recipients.add(recipient);
    this.refresh(recipient);
  }

  /** Removes every edge of a finished task and lowers whatever it had lifted. */
  detach(node: InheritanceNode): void {
    if (node.donors !== undefined) {
      for (const donor of node.donors) donor.recipients?.delete(node);
      node.donors = undefined;
    }
    const recipients = node.recipients;
    if (recipients !== undefined) {
      node.recipients = undefined;
      for (const recipient of recipients) {
        recipient.donors?.delete(node);
        this.refresh(recipient);
      }
    }
  }

  /** Call after a task's own rank changed (setPriority), so its recipients follow. */
  propagate(node: InheritanceNode): void {
    if (node.recipients === undefined) return;
    for (const recipient of node.recipients) this.refresh(recipient);
  }

  /** Recomputes `node`'s inherited rank from its donors; passes a change on down the chain. */
  refresh(node: InheritanceNode): void {
    const entry = node.entry;
    if (entry === undefined) return;
    const queue = this.#queue();
    let best: QueueEntry | undefined;
    for (const donor of node.donors ?? []) {
      const candidate = donor.entry;
      if (
        candidate !== undefined &&
        (best === undefined || queue.compareRank(candidate, best) < 0)
      ) {
        best = candidate;
      }
    }
    const beforePriority = entry.rankPriority;
    const beforeDeadline = entry.rankDeadline;
    queue.setBoost(
      entry,
      best === undefined
        ? undefined
        : { rankPriority: best.rankPriority, rankDeadline: best.rankDeadline },
    );
    if (entry.rankPriority !== beforePriority || entry.rankDeadline !== beforeDeadline) {
      this.propagate(node);
    }
  }

  /** The chain from `from` to `to` along "waits on" edges, if there is one. */
  #pathTo(from: InheritanceNode, to: InheritanceNode): InheritanceNode[] | undefined {
    if (from === to) return [from];
    for (const next of from.recipients ?? []) {
      const rest = this.#pathTo(next, to);
      if (rest !== undefined) return [from, ...rest];
    }
    return undefined;
  }
}

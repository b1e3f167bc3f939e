import type { Span } from './span.js';

/** Slots allocated up front; the ring doubles from here as it fills, up to its capacity. */
const INITIAL_SLOTS = 1024;

/**
 * A bounded ring buffer of spans and their estimated sizes: O(1) push (amortised: the storage
 * doubles when full, up to `capacity`, so memory follows the spans actually queued rather than
 * the bound), batches taken from the head in arrival order, and nothing ever shifts.
 */
export class SpanQueue {
  readonly capacity: number;
  #spans: (Span | undefined)[];
  #bytes: Float64Array;
  #head = 0;
  #length = 0;
  #totalBytes = 0;

  constructor(capacity: number, initialSlots = INITIAL_SLOTS) {
    this.capacity = capacity;
    const slots = Math.max(1, Math.min(capacity, initialSlots));
    this.#spans = new Array<Span | undefined>(slots);
    this.#bytes = new Float64Array(slots);
  }

  get length(): number {
    return this.#length;
  }

  get bytes(): number {
    return this.#totalBytes;
  }

  /** Slots allocated now (grows towards `capacity` as spans queue up). */
  get allocated(): number {
    return this.#bytes.length;
  }

  /** Appends; the caller checks capacity first. */
  push(span: Span, bytes: number): void {
    let slots = this.#bytes.length;
    if (this.#length === slots) slots = this.#grow();
    let index = this.#head + this.#length;
    if (index >= slots) index -= slots;
    this.#spans[index] = span;
    this.#bytes[index] = bytes;
    this.#length++;
    this.#totalBytes += bytes;
  }

  /** Removes and returns up to `max` spans from the head, oldest first. */
  take(max: number): Span[] {
    const count = Math.min(max, this.#length);
    const batch = new Array<Span>(count);
    const slots = this.#bytes.length;
    let index = this.#head;
    for (let i = 0; i < count; i++) {
      batch[i] = this.#spans[index]!;
      // Drop the reference so an exported span can be collected at once.
      this.#spans[index] = undefined;
      this.#totalBytes -= this.#bytes[index]!;
      index = index + 1 === slots ? 0 : index + 1;
    }
    this.#head = index;
    this.#length -= count;
    if (this.#length === 0) this.#totalBytes = 0; // no float drift across millions of spans
    return batch;
  }

  // Doubles the storage (capped at capacity), unwrapping the ring so the head is at slot 0.
  #grow(): number {
    const old = this.#bytes.length;
    const slots = Math.min(this.capacity, old * 2);
    const spans = new Array<Span | undefined>(slots);
    const bytes = new Float64Array(slots);
    for (let i = 0, index = this.#head; i < this.#length; i++) {
      spans[i] = this.#spans[index];
      bytes[i] = this.#bytes[index]!;
      index = index + 1 === old ? 0 : index + 1;
    }
    this.#spans = spans;
    this.#bytes = bytes;
    this.#head = 0;
    return slots;
  }
}

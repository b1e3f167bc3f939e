import type { Span } from './span.js';

/**
 * A fixed-capacity ring buffer of spans and their estimated sizes: O(1) push, batches taken
 * from the head in arrival order, and no array ever grows or shifts.
 */
export class SpanQueue {
  readonly capacity: number;
  #spans: (Span | undefined)[];
  #bytes: Float64Array;
  #head = 0;
  #length = 0;
  #totalBytes = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#spans = new Array<Span | undefined>(capacity);
    this.#bytes = new Float64Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  get bytes(): number {
    return this.#totalBytes;
  }

  /** Appends; the caller checks capacity first. */
  push(span: Span, bytes: number): void {
    let index = this.#head + this.#length;
    if (index >= this.capacity) index -= this.capacity;
    this.#spans[index] = span;
    this.#bytes[index] = bytes;
    this.#length++;
    this.#totalBytes += bytes;
  }

  /** Removes and returns up to `max` spans from the head, oldest first. */
  take(max: number): Span[] {
    const count = Math.min(max, this.#length);
    const batch = new Array<Span>(count);
    let index = this.#head;
    for (let i = 0; i < count; i++) {
      batch[i] = this.#spans[index]!;
      // Drop the reference so an exported span can be collected at once.
      this.#spans[index] = undefined;
      this.#totalBytes -= this.#bytes[index]!;
      index = index + 1 === this.capacity ? 0 : index + 1;
    }
    this.#head = index;
    this.#length -= count;
    if (this.#length === 0) this.#totalBytes = 0; // no float drift across millions of spans
    return batch;
  }
}

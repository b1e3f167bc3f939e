/**
 * A count-min sketch of 4-bit-like counters (capped at 15) with periodic halving, as in
 * Caffeine's TinyLFU: it estimates how often a key was seen recently in O(1) and a few bytes
 * per cached entry. Halving every `10 × capacity` increments lets old favourites fade.
 */
export class FrequencySketch {
  readonly #table: Uint8Array;
  readonly #mask: number;
  readonly #sampleSize: number;
  #additions = 0;

  constructor(capacity: number) {
    let width = 16;
    while (width < capacity * 2) width *= 2;
    this.#table = new Uint8Array(width * 4);
    this.#mask = width - 1;
    this.#sampleSize = Math.max(10 * capacity, 100);
  }

  /** FNV-1a: fast, well spread for short string keys, and stable across runs. */
  static hash(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  #index(hash: number, row: number): number {
    // Each row re-mixes the hash with its own odd constant, giving four independent positions.
    const mixed = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b + row * 0x2c1b3c6d) >>> 0;
    return row * (this.#mask + 1) + ((mixed ^ (mixed >>> 15)) & this.#mask);
  }

  increment(hash: number): void {
    let added = false;
    for (let row = 0; row < 4; row++) {
      const i = this.#index(hash, row);
      const count = this.#table[i] ?? 0;
      if (count < 15) {
        this.#table[i] = count + 1;
        added = true;
      }
    }
    if (added && ++this.#additions >= this.#sampleSize) this.#halve();
  }

  estimate(hash: number): number {
    let min = 15;
    for (let row = 0; row < 4; row++) {
      const count = this.#table[this.#index(hash, row)] ?? 0;
      if (count < min) min = count;
    }
    return min;
  }

  #halve(): void {
    for (let i = 0; i < this.#table.length; i++) this.#table[i] = (this.#table[i] ?? 0) >>> 1;
    this.#additions = Math.floor(this.#additions / 2);
  }
}

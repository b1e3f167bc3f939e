/** How many of the most recent waiting times the percentiles are computed over. */
const WINDOW = 1024;

/** A fixed ring of the latest waiting times; percentiles are computed only when asked for. */
export class WaitTimes {
  readonly #samples = new Float64Array(WINDOW);
  #count = 0;
  #next = 0;

  record(waitMs: number): void {
    this.#samples[this.#next] = waitMs;
    this.#next = (this.#next + 1) % WINDOW;
    if (this.#count < WINDOW) this.#count++;
  }

  /** The `fraction` (0..1) percentile by nearest rank, or 0 when nothing has started yet. */
  percentile(fraction: number): number {
    if (this.#count === 0) return 0;
    const sorted = this.#samples.slice(0, this.#count).sort();
    const rank = Math.min(this.#count - 1, Math.max(0, Math.ceil(fraction * this.#count) - 1));
    return sorted[rank]!;
  }
}

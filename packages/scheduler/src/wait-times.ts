/** How many of the most recent waiting-time samples the percentiles are computed over. */
const WINDOW = 1024;

/**
 * A fixed ring of the latest waiting-time samples; percentiles are computed only when asked for.
 * A sample may stand for several starts (`weight`), so that a busy scheduler can sample one start
 * in many without skewing the percentiles towards the unsampled ones.
 */
export class WaitTimes {
  readonly #samples = new Float64Array(WINDOW);
  readonly #weights = new Float64Array(WINDOW);
  #count = 0;
  #next = 0;

  record(waitMs: number, weight: number): void {
    this.#samples[this.#next] = waitMs;
    this.#weights[this.#next] = weight;
    this.#next = (this.#next + 1) % WINDOW;
    if (this.#count < WINDOW) this.#count++;
  }

  /** The `fraction` (0..1) percentile by nearest (weighted) rank, or 0 before any start. */
  percentile(fraction: number): number {
    const count = this.#count;
    if (count === 0) return 0;
    const samples = this.#samples;
    const weights = this.#weights;
    const order = Array.from({ length: count }, (_, index) => index).sort(
      (a, b) => samples[a]! - samples[b]!,
    );
    let total = 0;
    for (let i = 0; i < count; i++) total += weights[i]!;
    const rank = Math.max(1, Math.ceil(fraction * total));
    let seen = 0;
    for (const index of order) {
      seen += weights[index]!;
      if (seen >= rank) return samples[index]!;
    }
    return samples[order[count - 1]!]!;
  }
}

import type { CallObserver, CallSpan } from '../backends/types.js';

/**
 * Rolling per-tool figures for the dashboard, fed by the dispatcher's spans (the same spans the
 * SpanRecorder writes): calls, errors and a latency histogram per slot of a few seconds, in rings of a
 * fixed size. Memory is bounded whatever the traffic or the time the page stays open: at most
 * `maxTools` rows (the rest fold into one `(other)` row), `windowSeconds` slots each, and
 * `maxErrors` last errors.
 */
export interface CallWindowsOptions {
  /** Seconds of history kept (and summarised by the percentiles). @default 300 */
  windowSeconds?: number;
  /** Seconds per slot of the rings (the chart's resolution). @default 5 */
  slotSeconds?: number;
  /** Distinct `category.tool` rows kept; later ones count under `(other)`. @default 200 */
  maxTools?: number;
  /** Last errors kept. @default 20 */
  maxErrors?: number;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** Upper bounds (ms) of the latency bins: 0.1 ms × 1.25^i, up to about 2.5 minutes. */
const BINS = 64;
const BIN_BASE = 0.1;
const BIN_GROWTH = 1.25;
const BIN_LOG = Math.log(BIN_GROWTH);

function binOf(ms: number): number {
  if (!(ms > BIN_BASE)) return 0;
  return Math.min(BINS - 1, Math.ceil(Math.log(ms / BIN_BASE) / BIN_LOG));
}

function binUpper(bin: number): number {
  return BIN_BASE * BIN_GROWTH ** bin;
}

/** One ring of slots (numbered from the epoch): calls, errors, and latency bins. */
class Ring {
  readonly calls: Uint32Array;
  readonly errors: Uint32Array;
  readonly bins: Uint32Array;
  /** The slot number each place holds; an older number is stale. */
  readonly numbers: Float64Array;

  constructor(readonly size: number) {
    this.calls = new Uint32Array(size);
    this.errors = new Uint32Array(size);
    this.bins = new Uint32Array(size * BINS);
    this.numbers = new Float64Array(size).fill(-1);
  }

  add(n: number, ok: boolean, durationMs: number): void {
    const slot = n % this.size;
    if (this.numbers[slot] !== n) {
      this.numbers[slot] = n;
      this.calls[slot] = 0;
      this.errors[slot] = 0;
      this.bins.fill(0, slot * BINS, (slot + 1) * BINS);
    }
    this.calls[slot]! += 1;
    if (!ok) this.errors[slot]! += 1;
    this.bins[slot * BINS + binOf(durationMs)]! += 1;
  }

  /** Calls and errors in the slots (from, to], and the latency bins summed over them. */
  sum(from: number, to: number): { calls: number; errors: number; bins: number[] } {
    const bins = new Array<number>(BINS).fill(0);
    let calls = 0;
    let errors = 0;
    for (let slot = 0; slot < this.size; slot++) {
      const n = this.numbers[slot]!;
      if (n <= from || n > to) continue;
      calls += this.calls[slot]!;
      errors += this.errors[slot]!;
      for (let bin = 0; bin < BINS; bin++) bins[bin]! += this.bins[slot * BINS + bin]!;
    }
    return { calls, errors, bins };
  }

  /** Calls and errors of each of the slots (from, to], oldest first. */
  series(from: number, to: number): { calls: number[]; errors: number[] } {
    const calls: number[] = [];
    const errors: number[] = [];
    for (let n = from + 1; n <= to; n++) {
      const slot = n % this.size;
      const fresh = this.numbers[slot] === n;
      calls.push(fresh ? this.calls[slot]! : 0);
      errors.push(fresh ? this.errors[slot]! : 0);
    }
    return { calls, errors };
  }

  /** The p-quantile (0..1) of the latency bins, as the bin's upper bound in ms. */
  static quantile(bins: readonly number[], total: number, q: number): number | null {
    if (total === 0) return null;
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (let bin = 0; bin < BINS; bin++) {
      seen += bins[bin]!;
      if (seen >= rank) return Math.round(binUpper(bin) * 100) / 100;
    }
    return Math.round(binUpper(BINS - 1) * 100) / 100;
  }
}

export interface ToolFigures {
  /** `category.tool`, or `(other)` past `maxTools`. */
  name: string;
  category: string;
  tool: string;
  /** Calls in the window. */
  calls: number;
  /** Calls per second over the last 10 seconds (whole slots, the current one included). */
  rate: number;
  /** Failed calls / calls in the window (0..1). */
  errorRate: number;
  /** Latency quantiles over the window, ms (a histogram bin's upper bound: within 25 %). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface CallError {
  atMs: number;
  category: string;
  tool: string;
  code: string;
  message: string;
}

export interface WindowsSnapshot {
  windowSeconds: number;
  slotSeconds: number;
  tools: ToolFigures[];
  /** Every tool together, per slot over the window, oldest first: for the chart. */
  series: { startSecond: number; calls: number[]; errors: number[] };
  errors: CallError[];
}

const RATE_SECONDS = 10;
const OTHER = '(other)';
const UNKNOWN = '(unknown)';

/** The dashboard's rolling figures: a `CallObserver` the dispatchers report every call to. */
export class CallWindows implements CallObserver {
  readonly #size: number;
  readonly #slot: number;
  readonly #maxTools: number;
  readonly #maxErrors: number;
  readonly #now: () => number;
  readonly #tools = new Map<string, { category: string; tool: string; ring: Ring }>();
  readonly #all: Ring;
  readonly #errors: CallError[] = [];

  constructor(options: CallWindowsOptions = {}) {
    this.#slot = Math.max(1, Math.floor(options.slotSeconds ?? 5));
    this.#size = Math.max(2, Math.ceil((options.windowSeconds ?? 300) / this.#slot));
    this.#maxTools = options.maxTools ?? 200;
    this.#maxErrors = options.maxErrors ?? 20;
    this.#now = options.now ?? Date.now;
    this.#all = new Ring(this.#size);
  }

  onCall(span: CallSpan): void {
    const slot = Math.floor(this.#now() / 1000 / this.#slot);
    // Names a client made up never get a row of their own (as in /metrics).
    const unknown = span.errorCode === 'UNKNOWN_CATEGORY' || span.errorCode === 'UNKNOWN_TOOL';
    let name = unknown ? UNKNOWN : `${span.category}.${span.tool}`;
    let entry = this.#tools.get(name);
    if (!entry) {
      if (this.#tools.size >= this.#maxTools) this.#forgetIdle(slot);
      if (this.#tools.size < this.#maxTools) {
        entry = unknown
          ? { category: '', tool: UNKNOWN, ring: new Ring(this.#size) }
          : { category: span.category, tool: span.tool, ring: new Ring(this.#size) };
      } else {
        name = OTHER;
        entry = this.#tools.get(OTHER) ?? { category: '', tool: OTHER, ring: new Ring(this.#size) };
      }
      this.#tools.set(name, entry);
    }
    entry.ring.add(slot, span.ok, span.durationMs);
    this.#all.add(slot, span.ok, span.durationMs);
    if (!span.ok) {
      this.#errors.push({
        atMs: span.startTimeMs + span.durationMs,
        category: span.category,
        tool: span.tool,
        code: span.errorCode ?? 'INTERNAL',
        message: span.errorMessage ?? '',
      });
      if (this.#errors.length > this.#maxErrors) this.#errors.shift();
    }
  }

  /** Drops the rows with no call in the window, to make room for a new tool. */
  #forgetIdle(now: number): void {
    for (const [name, { ring }] of this.#tools) {
      if (name !== OTHER && ring.sum(now - this.#size, now).calls === 0) this.#tools.delete(name);
    }
  }

  snapshot(): WindowsSnapshot {
    const now = Math.floor(this.#now() / 1000 / this.#slot);
    const from = now - this.#size;
    const rateSlots = Math.max(1, Math.round(RATE_SECONDS / this.#slot));
    const tools: ToolFigures[] = [];
    for (const [name, { category, tool, ring }] of this.#tools) {
      const { calls, errors, bins } = ring.sum(from, now);
      if (calls === 0) continue;
      const recent = ring.sum(now - rateSlots, now).calls;
      tools.push({
        name,
        category,
        tool,
        calls,
        rate: Math.round((recent / (rateSlots * this.#slot)) * 100) / 100,
        errorRate: Math.round((errors / calls) * 1000) / 1000,
        p50: Ring.quantile(bins, calls, 0.5),
        p95: Ring.quantile(bins, calls, 0.95),
        p99: Ring.quantile(bins, calls, 0.99),
      });
    }
    tools.sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
    return {
      windowSeconds: this.#size * this.#slot,
      slotSeconds: this.#slot,
      tools,
      series: { startSecond: (from + 1) * this.#slot, ...this.#all.series(from, now) },
      errors: [...this.#errors].reverse(),
    };
  }
}

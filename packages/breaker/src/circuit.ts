import type { Clock } from './clock.js';
import { Listeners } from './listeners.js';
import type { CircuitState, CircuitStateName } from './state.js';
import type { TripPolicy } from './trip-policy.js';

export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;
export const DISABLED = 3;
export const FORCED_OPEN = 4;
const NAMES: readonly CircuitStateName[] = [
  'closed',
  'open',
  'half-open',
  'disabled',
  'forced-open',
];
/** The `probe` of a call admitted while closed. */
export const NOT_A_PROBE = -1;
/** What `admitProbe` returns when the circuit rejects the call. */
export const NOT_ADMITTED = -2;

/**
 * The state machine behind a breaker: which state it is in, the facts of that state, and the
 * transitions. Internal: the breaker owns the calls, this owns the state. Fields are plain
 * properties because the breaker reads `phase` on every call.
 */
export class Circuit {
  phase = CLOSED;
  /** Bumped on every transition, so a probe that settles after one is not counted. */
  generation = 0;
  openedAt = 0;
  retryAt = 0;
  reopenCount = 0;
  probesInFlight = 0;
  probesSucceeded = 0;
  /** When the current run of probes in flight began (probesInFlight went from 0 to 1). */
  probesSince = 0;
  opens = 0;
  readonly stateChange = new Listeners<[next: CircuitState, previous: CircuitState]>();
  readonly #clock: Clock;
  readonly #policy: TripPolicy;
  readonly #recoveryDelay: (reopenCount: number) => number;
  readonly #halfOpenMaxCalls: number;
  readonly #halfOpenMaxWaitMs: number;

  constructor(
    clock: Clock,
    policy: TripPolicy,
    recoveryDelay: (reopenCount: number) => number,
    halfOpenMaxCalls: number,
    halfOpenMaxWaitMs: number,
  ) {
    this.#clock = clock;
    this.#policy = policy;
    this.#recoveryDelay = recoveryDelay;
    this.#halfOpenMaxCalls = halfOpenMaxCalls;
    this.#halfOpenMaxWaitMs = halfOpenMaxWaitMs;
  }

  /**
   * The state's name, after the moves that are due: an open circuit whose time is up to
   * half-open, a half-open one whose probes are stuck back to open.
   */
  get name(): CircuitStateName {
    if (this.phase === OPEN && this.#clock.now() >= this.retryAt) this.transition(HALF_OPEN);
    else if (this.phase === HALF_OPEN) this.#reopenIfStuck();
    return NAMES[this.phase]!;
  }

  /**
   * For a call that arrives while the circuit is not closed: takes a probe slot and returns the
   * probe's generation, or returns `NOT_ADMITTED`.
   */
  admitProbe(): number {
    if (this.phase === OPEN && this.#clock.now() >= this.retryAt) this.transition(HALF_OPEN);
    if (this.phase !== HALF_OPEN) return NOT_ADMITTED;
    if (this.probesInFlight + this.probesSucceeded < this.#halfOpenMaxCalls) {
      if (this.probesInFlight++ === 0) this.probesSince = this.#clock.now();
      return this.generation;
    }
    this.#reopenIfStuck();
    return NOT_ADMITTED;
  }

  /**
   * A probe that never settles (no `timeout`, a hung socket) would hold its slot, and the
   * circuit in half-open, forever. Once probes have been in flight for `halfOpenMaxWaitMs`
   * without a verdict, that silence is the verdict: the circuit re-opens, and the late probes
   * are ignored when they settle (their generation is gone).
   */
  #reopenIfStuck(): void {
    if (
      this.probesInFlight > 0 &&
      this.#clock.now() - this.probesSince >= this.#halfOpenMaxWaitMs
    ) {
      this.open(this.reopenCount + 1);
    }
  }

  /** A probe's verdict: any failure re-opens, `halfOpenMaxCalls` successes close. */
  probeSettled(generation: number, succeeded: boolean): void {
    if (generation !== this.generation) return;
    this.probesInFlight--;
    if (!succeeded) this.open(this.reopenCount + 1);
    else if (++this.probesSucceeded >= this.#halfOpenMaxCalls) this.close();
  }

  /** A probe that ended without a verdict (an uncounted error) frees its slot. */
  releaseProbe(generation: number): void {
    if (generation === this.generation) this.probesInFlight--;
  }

  open(reopenCount: number): void {
    const now = this.#clock.now();
    const delayMs = this.#recoveryDelay(reopenCount);
    this.opens++;
    this.openedAt = now;
    this.retryAt = now + delayMs;
    this.reopenCount = reopenCount;
    this.transition(OPEN);
  }

  close(): void {
    this.reopenCount = 0;
    this.transition(CLOSED);
  }

  transition(phase: number): void {
    const previous = this.stateChange.size > 0 ? this.describe() : undefined;
    const changed = phase !== this.phase;
    this.phase = phase;
    this.generation++;
    this.probesInFlight = 0;
    this.probesSucceeded = 0;
    this.#policy.reset();
    // Re-opening from open (a restored half-open probe failing) is still worth an event.
    if (previous !== undefined && (changed || phase === OPEN)) {
      this.stateChange.emit(this.describe(), previous);
    }
  }

  describe(): CircuitState {
    switch (this.phase) {
      case OPEN:
        return {
          name: 'open',
          openedAt: this.openedAt,
          retryAt: this.retryAt,
          reopenCount: this.reopenCount,
        };
      case HALF_OPEN:
        return { name: 'half-open', openedAt: this.openedAt, reopenCount: this.reopenCount };
      default:
        return { name: NAMES[this.phase] as 'closed' | 'disabled' | 'forced-open' };
    }
  }

  /** Takes over a persisted state (already checked), without events. */
  restore(state: CircuitState): void {
    this.phase = NAMES.indexOf(state.name);
    if (state.name === 'open') this.retryAt = state.retryAt;
    if (state.name === 'open' || state.name === 'half-open') {
      this.openedAt = state.openedAt;
      this.reopenCount = state.reopenCount;
    }
  }
}

import { CircuitBreaker, type Clock, isBreakerError } from '@x/breaker';
import { CircuitOpenError, isCallerFault, isCancellation } from '../errors.js';
import type { CategoryGuard, CircuitDetail, GuardState } from './types.js';

export interface BreakerGuardOptions {
  /** Consecutive failures that open a category's circuit (`breaker.failureThreshold`). */
  failureThreshold: number;
  /** How long an open circuit waits before a trial call (`breaker.recoveryTimeoutMs`). */
  recoveryTimeoutMs: number;
  /** Per-category call timeout in ms, if any. @default () => undefined */
  timeoutMsFor?: (category: string) => number | undefined;
  /** Time source, for fake time in tests. @default the breaker's system clock */
  clock?: Clock;
}

/**
 * Whether an error counts against the category's circuit. A breaker protects callers from a
 * failing backend, not the backend from a caller's bad requests: an error that says the request
 * was wrong (`callerFault`: invalid params, not found, outside the fs root, a tool's own bad-input
 * error, a peer's tool error) leaves the circuit alone, and so does the caller giving up or a
 * shutdown stopping the call. Everything else counts: crashes, unavailable or disconnected peers,
 * any error a tool did not mark as the caller's fault; and the breaker's own timeouts always do.
 * Errors are matched by their code and marker, never by class.
 */
export function isBackendFailure(error: unknown): boolean {
  return !(isCallerFault(error) || isCancellation(error));
}

/** One `@x/breaker` CircuitBreaker per category, created on the category's first call. */
export class BreakerGuard implements CategoryGuard {
  readonly #options: BreakerGuardOptions;
  readonly #breakers = new Map<string, CircuitBreaker>();
  // Categories whose breaker has a timeout: their calls follow the breaker's timeout signal.
  readonly #timed = new Set<string>();

  constructor(options: BreakerGuardOptions) {
    this.#options = options;
  }

  #breaker(category: string): CircuitBreaker {
    let breaker = this.#breakers.get(category);
    if (!breaker) {
      const timeout = this.#options.timeoutMsFor?.(category);
      if (timeout !== undefined) this.#timed.add(category);
      breaker = new CircuitBreaker({
        name: category,
        failureThreshold: this.#options.failureThreshold,
        recoveryTimeout: this.#options.recoveryTimeoutMs,
        timeout,
        isFailure: isBackendFailure,
        ...(this.#options.clock ? { clock: this.#options.clock } : {}),
      });
      this.#breakers.set(category, breaker);
    }
    return breaker;
  }

  async execute<T>(
    category: string,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const breaker = this.#breaker(category);
    // Without a timeout or a caller's signal, the breaker hands out a placeholder signal that
    // never aborts: the call gets undefined instead, so nothing listens on a shared signal.
    const follow = signal !== undefined || this.#timed.has(category);
    try {
      return await breaker.execute(
        ({ signal: callSignal }) => fn(follow ? callSignal : undefined),
        signal === undefined ? undefined : { signal },
      );
    } catch (error) {
      if (isBreakerError(error, 'ERR_BREAKER_OPEN')) {
        throw new CircuitOpenError(category, error.retryAt, error);
      }
      throw error;
    }
  }

  /** Totals over every category's breaker, and how many circuits are open right now. */
  stats(): {
    breakers: number;
    open: number;
    calls: number;
    failures: number;
    rejections: number;
    opens: number;
  } {
    const totals = {
      breakers: this.#breakers.size,
      open: 0,
      calls: 0,
      failures: 0,
      rejections: 0,
      opens: 0,
    };
    for (const breaker of this.#breakers.values()) {
      const figures = breaker.stats();
      if (breaker.state === 'open' || breaker.state === 'forced-open') totals.open++;
      totals.calls += figures.calls;
      totals.failures += figures.failures;
      totals.rejections += figures.rejections;
      totals.opens += figures.opens;
    }
    return totals;
  }

  /** Each category's circuit, with when an open one lets a trial call through (epoch ms). */
  circuits(): Record<string, CircuitDetail> {
    const circuits: Record<string, CircuitDetail> = {};
    for (const [category, breaker] of this.#breakers) {
      const state = breaker.circuitState;
      circuits[category] =
        state.name === 'open'
          ? { state: 'open', retryAt: state.retryAt }
          : { state: breaker.state };
    }
    return circuits;
  }

  states(): Record<string, GuardState> {
    const states: Record<string, GuardState> = {};
    for (const [category, breaker] of this.#breakers) states[category] = breaker.state;
    return states;
  }
}

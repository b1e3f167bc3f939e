import { checkMs } from './validate.js';

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** The first delay, in milliseconds. @default 1_000 */
  baseDelayMs?: number;
  /** No delay is longer than this, in milliseconds. @default 60_000 */
  maxDelayMs?: number;
  /** Each delay is this many times the previous one. @default 2 */
  multiplier?: number;
}

/**
 * A delay function `attempt => ms`: `min(maxDelayMs, baseDelayMs * multiplier ** attempt)` for
 * attempt 0, 1, 2, …. Pass it as `recoveryTimeout` so a circuit that keeps re-opening waits
 * longer each time.
 *
 * @example
 * new CircuitBreaker({ recoveryTimeout: exponentialBackoff({ baseDelayMs: 5_000, maxDelayMs: 300_000 }) })
 */
export function exponentialBackoff(
  options: ExponentialBackoffOptions = {},
): (attempt: number) => number {
  const baseDelayMs = checkMs('baseDelayMs', options.baseDelayMs ?? 1_000, true);
  const maxDelayMs = checkMs('maxDelayMs', options.maxDelayMs ?? 60_000, true);
  const multiplier = checkMultiplier(options.multiplier ?? 2);
  checkMaxNotBelowBase(baseDelayMs, maxDelayMs);
  return (attempt) => cappedDelay(baseDelayMs, maxDelayMs, multiplier, attempt);
}

/** `min(maxDelayMs, baseDelayMs * multiplier ** attempt)`, safe from overflow. */
export function cappedDelay(
  baseDelayMs: number,
  maxDelayMs: number,
  multiplier: number,
  attempt: number,
): number {
  const delay = baseDelayMs * multiplier ** attempt;
  return Number.isFinite(delay) ? Math.min(maxDelayMs, delay) : maxDelayMs;
}

export function checkMultiplier(value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`multiplier must be a number, got ${String(value)}.`);
  }
  if (!Number.isFinite(value) || value < 1) {
    throw new RangeError(`multiplier must be a finite number >= 1, got ${value}.`);
  }
  return value;
}

export function checkMaxNotBelowBase(baseDelayMs: number, maxDelayMs: number): void {
  if (maxDelayMs < baseDelayMs) {
    throw new RangeError(
      `maxDelayMs (${maxDelayMs}) must not be below baseDelayMs (${baseDelayMs}).`,
    );
  }
}

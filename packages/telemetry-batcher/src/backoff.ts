/** The retry options, resolved: how long to wait before each further attempt. */
export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  jitter: 'full' | 'none';
  random: () => number;
}

/**
 * The wait after failed attempt `attempt` (1 for the first): the cap is
 * `baseDelayMs * multiplier ** (attempt - 1)`, at most `maxDelayMs`; with `jitter: 'full'` the
 * wait is uniformly random between 0 and the cap, with `'none'` the cap itself.
 */
export function retryDelayMs(backoff: Backoff, attempt: number): number {
  const grown = backoff.baseDelayMs * backoff.multiplier ** (attempt - 1);
  // 0 * Infinity (a zero base after the power overflowed) is NaN: no wait then.
  const capMs = Number.isNaN(grown) ? 0 : Math.min(backoff.maxDelayMs, grown);
  if (backoff.jitter === 'none') return capMs;
  return Math.min(capMs, Math.max(0, backoff.random() * capMs));
}

/**
 * The default `retryOn`: every error is worth another attempt except one marked
 * `retryable: false` (an `OtlpExportError` for a 4xx answer other than 408 and 429, or your
 * exporter's own).
 */
export function isRetryable(error: unknown): boolean {
  return !(
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === false
  );
}

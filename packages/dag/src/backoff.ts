import type { NormalizedStep } from './options.js';

/**
 * The wait after failed attempt `attempt` (1 for the first): the cap is
 * `min(maxDelayMs, baseDelayMs × multiplier^(attempt - 1))`; with `'full'` jitter the wait is
 * uniformly random in [0, cap), with `'none'` it is the cap.
 */
export function retryDelay(
  step: Pick<NormalizedStep, 'baseDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter'>,
  attempt: number,
  random: () => number,
): number {
  const grown = step.baseDelayMs * step.multiplier ** (attempt - 1);
  const cap = Number.isFinite(grown) ? Math.min(step.maxDelayMs, grown) : step.maxDelayMs;
  if (step.jitter === 'none') return cap;
  // A random source that strays out of [0, 1) must not push the wait out of [0, cap].
  const wait = random() * cap;
  return wait >= 0 ? Math.min(wait, cap) : 0;
}

import type { CircuitBreakerJSON } from './options.js';
import type { CircuitState } from './state.js';

const NAMES = new Set(['closed', 'open', 'half-open', 'disabled', 'forced-open']);

/**
 * Checks a persisted breaker before it is trusted: a corrupt store must fail loudly at
 * construction, not as a circuit that never closes.
 */
export function restoreState(json: CircuitBreakerJSON): CircuitState {
  const state = (json as Partial<CircuitBreakerJSON> | null)?.state as
    | Record<string, unknown>
    | undefined;
  if (json?.version !== 1 || typeof state !== 'object' || state === null) {
    throw new TypeError(
      'initialState must be a value returned by breaker.toJSON() (version 1); drop it to start closed.',
    );
  }
  const name = state.name;
  if (typeof name !== 'string' || !NAMES.has(name)) {
    throw new TypeError(`initialState.state.name is not a circuit state: ${String(name)}.`);
  }
  if (name === 'open') {
    return {
      name,
      openedAt: finite('openedAt', state.openedAt),
      retryAt: finite('retryAt', state.retryAt),
      reopenCount: count('reopenCount', state.reopenCount),
    };
  }
  if (name === 'half-open') {
    return {
      name,
      openedAt: finite('openedAt', state.openedAt),
      reopenCount: count('reopenCount', state.reopenCount),
    };
  }
  return { name } as CircuitState;
}

function finite(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`initialState.state.${key} must be a finite number, got ${String(value)}.`);
  }
  return value;
}

function count(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`initialState.state.${key} must be an integer >= 0, got ${String(value)}.`);
  }
  return value;
}

import type { CircuitBreakerJSON } from './options.js';
import type { CircuitState } from './state.js';
import type { TripPolicyJSON } from './trip-policy.js';

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

/**
 * Checks the window part of a persisted breaker. Its numbers go straight into running sums,
 * so a string or a negative count would corrupt `stats()` and the rates for good. Contents of
 * another window shape are fine here: the trip policy drops them (the options changed).
 */
export function restoreWindow(json: CircuitBreakerJSON): TripPolicyJSON {
  const window = (json as { window?: unknown }).window as Record<string, unknown> | undefined;
  if (typeof window !== 'object' || window === null) {
    throw new TypeError(
      'initialState.window is missing: pass the whole value of breaker.toJSON(), or drop initialState.',
    );
  }
  if (window.type === 'consecutive') {
    count('failures', window.failures, 'window');
  } else if (window.type === 'count') {
    count('size', window.size, 'window');
    if (!Array.isArray(window.outcomes)) {
      throw new TypeError('initialState.window.outcomes must be an array.');
    }
    for (const outcome of window.outcomes) {
      if (outcome !== 0 && outcome !== 1 && outcome !== 2 && outcome !== 3) {
        throw new TypeError(
          `initialState.window.outcomes holds ${String(outcome)}, not an outcome (0 to 3).`,
        );
      }
    }
  } else if (window.type === 'time') {
    finite('durationMs', window.durationMs, 'window');
    count('buckets', window.buckets, 'window');
    if (!Array.isArray(window.entries)) {
      throw new TypeError('initialState.window.entries must be an array.');
    }
    for (const entry of window.entries as Array<Record<string, unknown> | null>) {
      if (typeof entry !== 'object' || entry === null) {
        throw new TypeError('initialState.window.entries must hold objects.');
      }
      if (!Number.isInteger(entry.bucket)) {
        throw new TypeError(
          `initialState.window.entries[].bucket must be an integer, got ${String(entry.bucket)}.`,
        );
      }
      const calls = count('calls', entry.calls, 'window.entries[]');
      const failures = count('failures', entry.failures, 'window.entries[]');
      const slowCalls = count('slowCalls', entry.slowCalls, 'window.entries[]');
      if (failures > calls || slowCalls > calls) {
        throw new TypeError(
          'initialState.window.entries[] counts more failures or slow calls than calls.',
        );
      }
    }
  } else {
    throw new TypeError(
      `initialState.window.type must be 'consecutive', 'count' or 'time', got ${String(window.type)}.`,
    );
  }
  return window as unknown as TripPolicyJSON;
}

function finite(key: string, value: unknown, part = 'state'): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(
      `initialState.${part}.${key} must be a finite number, got ${String(value)}.`,
    );
  }
  return value;
}

function count(key: string, value: unknown, part = 'state'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(
      `initialState.${part}.${key} must be an integer >= 0, got ${String(value)}.`,
    );
  }
  return value;
}

// Every public export is named here explicitly.

export type { ExponentialBackoffOptions } from './backoff.js';
export { exponentialBackoff } from './backoff.js';
export { CircuitBreaker } from './breaker.js';
export type { CircuitBreakerStats, ExecuteContext, ExecuteOptions } from './breaker-types.js';
export type { Clock, TimerHandle } from './clock.js';
export { systemClock } from './clock.js';
export type { BreakerErrorCode } from './errors.js';
export {
  BreakerError,
  BreakerTimeoutError,
  BrokenCircuitError,
  isBreakerError,
} from './errors.js';
export type { Disposer } from './listeners.js';
export type {
  CircuitBreakerJSON,
  CircuitBreakerOptions,
  CountWindowOptions,
  TimeWindowOptions,
  WindowOptions,
  WindowThresholdOptions,
} from './options.js';
export type { RetryContext, RetryEvent, RetryOptions } from './retry.js';
export { retry } from './retry.js';
export type {
  CircuitState,
  CircuitStateName,
  ClosedState,
  DisabledState,
  ForcedOpenState,
  HalfOpenState,
  OpenState,
} from './state.js';
export type { TripPolicyJSON } from './trip-policy.js';

// The pipeline layer: the one path every call takes, and what rides on it.
export { CallContext } from './call-context.js';
export {
  type DispatchCall,
  Dispatcher,
  type DispatcherDeps,
  type DispatcherStats,
  type DispatchOptions,
  type DispatchResult,
} from './dispatcher.js';
export { type IdempotencyOptions, IdempotencyStore } from './idempotency.js';
export { dispatchParallel, type ParallelOptions, type ParallelOutcome } from './parallel.js';

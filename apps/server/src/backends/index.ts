// The backends layer: our packages behind the small interfaces the pipeline uses.
// (metrics.ts is not re-exported: it is imported on demand, so stdio never loads prom-client.)
export { BreakerGuard, type BreakerGuardOptions } from './breaker.js';
export { TieredResultCache, type TieredResultCacheOptions } from './cache.js';
export { LocalCoalescer } from './coalescer.js';
export { createBackends } from './create.js';
export { PriorityScheduler, type PrioritySchedulerOptions } from './scheduler.js';
export { SpanRecorder, type SpanRecorderOptions } from './telemetry.js';
export type {
  Backends,
  CallObserver,
  CallRecorder,
  CallScheduler,
  CallSpan,
  CategoryGuard,
  CoalesceCaller,
  CoalescedRun,
  Coalescer,
  CoalescerFigures,
  GuardState,
  ResultCache,
  ResultCacheFigures,
  SchedulerFigures,
} from './types.js';

import { WaitTimes } from './wait-times.js';

/** Counters since creation, and the current queue; plain numbers. */
export interface SchedulerStats {
  /** Tasks waiting to start. */
  queued: number;
  /** Tasks started and not yet settled. */
  running: number;
  /** Tasks that ran and resolved. */
  completed: number;
  /** Tasks that ran and rejected (timeouts included). */
  failed: number;
  /** Tasks that ran past their `timeout`. */
  timedOut: number;
  /** Tasks aborted by their signal (waiting or running) or removed by `clear()`. */
  cancelled: number;
  /** Tasks rejected or dropped for a missed deadline, without running. */
  expired: number;
  /** Tasks that missed their deadline: started late, rejected or dropped. */
  deadlineMisses: number;
  /** Median time from `add()` to start over the latest 1,024 starts, ms. */
  waitP50Ms: number;
  /** 95th percentile of the same, ms. */
  waitP95Ms: number;
}

/** The scheduler's running totals; `snapshot()` turns them into {@link SchedulerStats}. */
export class Counters {
  running = 0;
  completed = 0;
  failed = 0;
  timedOut = 0;
  cancelled = 0;
  expired = 0;
  deadlineMisses = 0;
  readonly waits = new WaitTimes();

  snapshot(queued: number): SchedulerStats {
    return {
      queued,
      running: this.running,
      completed: this.completed,
      failed: this.failed,
      timedOut: this.timedOut,
      cancelled: this.cancelled,
      expired: this.expired,
      deadlineMisses: this.deadlineMisses,
      waitP50Ms: this.waits.percentile(0.5),
      waitP95Ms: this.waits.percentile(0.95),
    };
  }
}

import type { DeadlineMissPolicy } from './options.js';

/** What `add()` resolves to: with `onDeadlineMiss: 'drop'` a dropped task gives `undefined`. */
export type TaskResult<T, Miss extends DeadlineMissPolicy> = Miss extends 'drop'
  ? T | undefined
  : T;

/** The next task to start, as `peek()` shows it. */
export interface TaskInfo {
  /** The id given to `add()`; `undefined` for a task added without one. */
  id: string | undefined;
  /** The task's own priority. */
  priority: number;
  /** The priority it ranks by: its own or an inherited one, whichever is higher (aging aside). */
  effectivePriority: number;
  /** Its deadline, if it has one. */
  deadline: number | undefined;
}

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

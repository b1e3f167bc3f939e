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

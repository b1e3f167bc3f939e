// Every public export is named here explicitly.
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export type { SchedulerStats } from './counters.js';
export {
  DeadlineExceededError,
  DuplicateTaskIdError,
  InheritanceCycleError,
  isSchedulerError,
  SchedulerClosedError,
  SchedulerError,
  type SchedulerErrorCode,
  TaskNotFoundError,
  TaskTimeoutError,
} from './errors.js';
export { FifoQueue } from './fifo-queue.js';
export {
  DeadlineHeapQueue,
  HeapQueue,
  type HeapQueueOptions,
  PriorityDeadlineHeapQueue,
  PriorityHeapQueue,
} from './heap-queue.js';
export type {
  AddOptions,
  AgingOptions,
  DeadlineMissPolicy,
  SchedulerOptions,
} from './options.js';
export { createQueueClass, type QueueClassOptions } from './queue-class.js';
export type {
  Policy,
  QueueAddOptions,
  QueueEntry,
  Rank,
  RunFunction,
} from './queue-entry.js';
export type { Task, TaskContext } from './run-with-timeout.js';
export { Scheduler } from './scheduler.js';
export type { TaskInfo, TaskResult } from './scheduler-types.js';
export type { SchedulingQueue } from './scheduling-queue.js';

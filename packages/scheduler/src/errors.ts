/** A bad value as an error message shows it: strings quoted, so `"5"` is not mistaken for `5`. */
export function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** How a message names a task: by its id, or as "A task" when it has none. */
function nameTask(taskId: string): string {
  return taskId === '' ? 'A task' : `Task "${taskId}"`;
}

/** A task did not start before its deadline and `onDeadlineMiss` is `'reject'`. */
export class DeadlineExceededError extends Error {
  readonly code = 'ERR_DEADLINE_EXCEEDED';
  override readonly name = 'DeadlineExceededError';
  readonly taskId: string;
  /** The task's deadline, in clock milliseconds. */
  readonly deadline: number;
  /** How late the task was when the scheduler gave up on it. */
  readonly lateByMs: number;

  constructor(taskId: string, deadline: number, now: number) {
    super(
      `${nameTask(taskId)} did not start before its deadline (${Math.max(0, now - deadline)} ms late); ` +
        'raise concurrency, give it an earlier deadline or a higher priority, or use onDeadlineMiss: "run"',
    );
    this.taskId = taskId;
    this.deadline = deadline;
    this.lateByMs = Math.max(0, now - deadline);
  }
}

/** A running task took longer than its `timeout`; the task's signal is aborted with this error. */
export class TaskTimeoutError extends Error {
  readonly code = 'ERR_TASK_TIMEOUT';
  override readonly name = 'TaskTimeoutError';
  readonly taskId: string;
  readonly timeoutMs: number;

  constructor(taskId: string, timeoutMs: number) {
    super(
      `${nameTask(taskId)} timed out after ${timeoutMs} ms; raise its timeout or make the task honour its signal`,
    );
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * No task has this id: for a Scheduler, none is waiting or running (it never existed, or it has
 * finished); for a queue class, none is waiting (it may have started already).
 */
export class TaskNotFoundError extends ReferenceError {
  readonly code = 'ERR_TASK_NOT_FOUND';
  override readonly name = 'TaskNotFoundError';
  readonly taskId: string;

  constructor(taskId: string, where: 'scheduler' | 'queue' = 'scheduler') {
    super(
      where === 'queue'
        ? `No task waiting in this queue has the id "${taskId}"; it may have started already ` +
            '(p-queue starts a task as soon as a slot is free). Pass the id you gave to add()'
        : `No waiting or running task has the id "${taskId}"; it may have finished already. ` +
            'Pass the id you gave to add({ id })',
    );
    this.taskId = taskId;
  }
}

/** A task was added with the id of a task that is still waiting or running. */
export class DuplicateTaskIdError extends TypeError {
  readonly code = 'ERR_DUPLICATE_TASK_ID';
  override readonly name = 'DuplicateTaskIdError';
  readonly taskId: string;

  constructor(taskId: string) {
    super(
      `A task with the id "${taskId}" is already waiting or running; ids must be unique until the task finishes`,
    );
    this.taskId = taskId;
  }
}

/** `inheritPriority` would make tasks wait on each other in a circle: a deadlock. */
export class InheritanceCycleError extends Error {
  readonly code = 'ERR_INHERITANCE_CYCLE';
  override readonly name = 'InheritanceCycleError';
  /** The ids around the circle, starting and ending with the same id. */
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(
      `Priority inheritance would close a cycle (${cycle.join(' -> ')}): these tasks wait on each ` +
        'other and none can finish; break the dependency instead',
    );
    this.cycle = cycle;
  }
}

/** `add()` was called after `close()`. */
export class SchedulerClosedError extends Error {
  readonly code = 'ERR_SCHEDULER_CLOSED';
  override readonly name = 'SchedulerClosedError';

  constructor() {
    super('The scheduler is closed and accepts no new tasks; create a new Scheduler');
  }
}

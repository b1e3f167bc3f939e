/** A bad value as an error message shows it: strings quoted, so `"5"` is not mistaken for `5`. */
export function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** How a message names a task: by its id, or as "A task" when it has none. */
function nameTask(taskId: string): string {
  return taskId === '' ? 'A task' : `Task "${taskId}"`;
}

/** The `code` of every error `@x/scheduler` throws on purpose. */
export type SchedulerErrorCode =
  | 'ERR_SCHEDULER_DEADLINE_EXCEEDED'
  | 'ERR_SCHEDULER_TASK_TIMEOUT'
  | 'ERR_SCHEDULER_TASK_NOT_FOUND'
  | 'ERR_SCHEDULER_DUPLICATE_TASK_ID'
  | 'ERR_SCHEDULER_INHERITANCE_CYCLE'
  | 'ERR_SCHEDULER_CLOSED';

const PREFIX = 'ERR_SCHEDULER_';

/**
 * The base of every error `@x/scheduler` throws on purpose. Match on `code` (or with
 * {@link isSchedulerError}) rather than `instanceof`, which fails when two copies of the package
 * are installed.
 *
 * Not one of them: a cancelled task rejects with its signal's `reason` (a `DOMException` named
 * `AbortError` unless you aborted with another), and `clear()` rejects waiting tasks with a
 * `DOMException` named `AbortError`, as the platform and p-queue do.
 */
export class SchedulerError extends Error {
  readonly code: SchedulerErrorCode;

  constructor(code: SchedulerErrorCode, message: string) {
    super(message);
    this.name = 'SchedulerError';
    this.code = code;
  }
}

/**
 * Whether `error` is an error of `@x/scheduler` (of any copy of it: it checks `code`, not the
 * prototype), and, given a `code`, one with that code.
 * @example if (isSchedulerError(error, 'ERR_SCHEDULER_TASK_TIMEOUT')) retryLater();
 */
export function isSchedulerError(
  error: unknown,
  code?: SchedulerErrorCode,
): error is SchedulerError {
  if (typeof error !== 'object' || error === null) return false;
  const actual = (error as { code?: unknown }).code;
  if (typeof actual !== 'string' || !actual.startsWith(PREFIX)) return false;
  return code === undefined || actual === code;
}

/** A task did not start before its deadline and `onDeadlineMiss` is `'reject'`. */
export class DeadlineExceededError extends SchedulerError {
  static readonly code = 'ERR_SCHEDULER_DEADLINE_EXCEEDED' as const;
  declare readonly code: typeof DeadlineExceededError.code;
  readonly taskId: string;
  /** The task's deadline, in clock milliseconds. */
  readonly deadline: number;
  /** How late the task was when the scheduler gave up on it. */
  readonly lateByMs: number;

  constructor(taskId: string, deadline: number, now: number) {
    super(
      DeadlineExceededError.code,
      `${nameTask(taskId)} did not start before its deadline (${Math.max(0, now - deadline)} ms late); ` +
        'raise concurrency, give it an earlier deadline or a higher priority, or use onDeadlineMiss: "run"',
    );
    this.name = 'DeadlineExceededError';
    this.taskId = taskId;
    this.deadline = deadline;
    this.lateByMs = Math.max(0, now - deadline);
  }
}

/** A running task took longer than its `timeout`; the task's signal is aborted with this error. */
export class TaskTimeoutError extends SchedulerError {
  static readonly code = 'ERR_SCHEDULER_TASK_TIMEOUT' as const;
  declare readonly code: typeof TaskTimeoutError.code;
  readonly taskId: string;
  readonly timeoutMs: number;

  constructor(taskId: string, timeoutMs: number) {
    super(
      TaskTimeoutError.code,
      `${nameTask(taskId)} timed out after ${timeoutMs} ms; raise its timeout or make the task honour its signal`,
    );
    this.name = 'TaskTimeoutError';
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * No task has this id: for a Scheduler, none is waiting or running (it never existed, or it has
 * finished); for a queue class, none is waiting (it may have started already).
 */
export class TaskNotFoundError extends SchedulerError {
  static readonly code = 'ERR_SCHEDULER_TASK_NOT_FOUND' as const;
  declare readonly code: typeof TaskNotFoundError.code;
  readonly taskId: string;

  constructor(taskId: string, where: 'scheduler' | 'queue' = 'scheduler') {
    super(
      TaskNotFoundError.code,
      where === 'queue'
        ? `No task waiting in this queue has the id "${taskId}"; it may have started already ` +
            '(p-queue starts a task as soon as a slot is free). Pass the id you gave to add()'
        : `No waiting or running task has the id "${taskId}"; it may have finished already. ` +
            'Pass the id you gave to add({ id })',
    );
    this.name = 'TaskNotFoundError';
    this.taskId = taskId;
  }
}

/** A task was added with the id of a task that is still waiting or running. */
export class DuplicateTaskIdError extends SchedulerError {
  static readonly code = 'ERR_SCHEDULER_DUPLICATE_TASK_ID' as const;
  declare readonly code: typeof DuplicateTaskIdError.code;
  readonly taskId: string;

  constructor(taskId: string) {
    super(
      DuplicateTaskIdError.code,
      `A task with the id "${taskId}" is already waiting or running; ids must be unique until the task finishes`,
    );
    this.name = 'DuplicateTaskIdError';
    this.taskId = taskId;
  }
}

/** `inheritPriority` would make tasks wait on each other in a circle: a deadlock. */
export class InheritanceCycleError extends SchedulerError {
  static readonly code = 'ERR_SCHEDULER_INHERITANCE_CYCLE' as const;
  declare readonly code: typeof InheritanceCycleError.code;
  /** The ids around the circle, starting and ending with the same id. */
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super(
      InheritanceCycleError.code,
      `Priority inheritance would close a cycle (${cycle.join(' -> ')}): these tasks wait on each ` +
        'other and none can finish; break the dependency instead',
    );
    this.name = 'InheritanceCycleError';
    this.cycle = cycle;
  }
}

/** `add()` was called after `close()`. */
export class SchedulerClosedError extends SchedulerError {
  static readonly code = 'ERR_SCHEDULER_CLOSED' as const;
  declare readonly code: typeof SchedulerClosedError.code;

  constructor() {
    super(
      SchedulerClosedError.code,
      'The scheduler is closed and accepts no new tasks; create a new Scheduler',
    );
    this.name = 'SchedulerClosedError';
  }
}

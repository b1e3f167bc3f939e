import { assertClock, type Clock } from './clock.js';
import { shown } from './errors.js';
import { POLICIES, type Policy } from './queue-entry.js';

/** What happens to a task that has not started by its deadline. */
export type DeadlineMissPolicy = 'run' | 'reject' | 'drop';

export interface AgingOptions {
  /**
   * Priority points a task gains for each second it waits, so that a steady stream of
   * higher-priority work cannot starve it.
   * @example { priorityPerSecond: 1 } // after 10 s waiting, a priority-0 task ranks like a fresh 10
   */
  priorityPerSecond: number;
}

export interface SchedulerOptions<Miss extends DeadlineMissPolicy = DeadlineMissPolicy> {
  /**
   * Which waiting task starts next: `'fifo'` (arrival order), `'priority'` (higher first, as in
   * p-queue), `'deadline'` (earliest deadline first; tasks without one last) or
   * `'priority-deadline'` (higher priority, then the earlier deadline). Ties are always FIFO.
   * @default 'priority'
   */
  policy?: Policy;
  /**
   * How many tasks run at once. `Infinity` is allowed but makes the policy moot.
   * @default 1
   */
  concurrency?: number;
  /**
   * Let waiting tasks gain priority over time ('priority' and 'priority-deadline' only).
   * @default undefined (no aging)
   */
  aging?: AgingOptions;
  /**
   * A task that has not started by its deadline: `'run'` runs it late and counts the miss;
   * `'reject'` rejects it with `DeadlineExceededError`; `'drop'` resolves it with `undefined`.
   * With `'reject'` and `'drop'` the task leaves the queue the moment its deadline passes: one
   * ref'd timer for the earliest deadline, while such a task waits. `'run'` sets no timer (a miss
   * is only noticed when the task starts).
   * @default 'run'
   */
  onDeadlineMiss?: Miss;
  /**
   * Start tasks as soon as they are added; `false` holds them until `start()`.
   * @default true
   */
  autoStart?: boolean;
  /** Time source for deadlines, timeouts, aging and waiting times. @default systemClock */
  clock?: Clock;
}

export interface AddOptions {
  /**
   * Names the task for `setPriority`, `inheritPriority` and `peek`. Unique among waiting and
   * running tasks. @default undefined (the task cannot be addressed by id)
   */
  id?: string;
  /** Higher starts first. Must be finite. @default 0 */
  priority?: number;
  /**
   * A timestamp on the scheduler's clock (`Date.now()` by default) by which the task should
   * start. See `onDeadlineMiss`. @default undefined (no deadline)
   */
  deadline?: number;
  /**
   * Aborting it removes a waiting task at once; a running task receives it. Either way the
   * task's promise rejects at once with the signal's reason (a `DOMException` named `AbortError`
   * unless you abort with another reason), not with a `SchedulerError`. @default undefined
   */
  signal?: AbortSignal;
  /**
   * Milliseconds a started task may run before it rejects with `TaskTimeoutError` (the task's
   * signal aborts with that error too). Its timer keeps the process alive while the task runs
   * and is cleared when the task settles. @default undefined (no timeout)
   */
  timeout?: number;
}

export interface ResolvedOptions {
  policy: Policy;
  concurrency: number;
  agingPriorityPerSecond: number;
  onDeadlineMiss: DeadlineMissPolicy;
  autoStart: boolean;
}

const MISS_POLICIES: readonly DeadlineMissPolicy[] = ['run', 'reject', 'drop'];

export function resolveOptions(options: SchedulerOptions): ResolvedOptions & { clock?: Clock } {
  assertObject(options, 'Scheduler options');
  const {
    policy = 'priority',
    concurrency = 1,
    aging,
    onDeadlineMiss = 'run',
    autoStart = true,
    clock,
  } = options;
  if (!POLICIES.includes(policy)) {
    throw new TypeError(`policy must be one of ${POLICIES.join(', ')}; got ${shown(policy)}`);
  }
  if (
    typeof concurrency !== 'number' ||
    !(Number.isInteger(concurrency) || concurrency === Number.POSITIVE_INFINITY) ||
    concurrency < 1
  ) {
    throw new RangeError(`concurrency must be a whole number >= 1, got ${shown(concurrency)}`);
  }
  let agingPriorityPerSecond = 0;
  if (aging !== undefined) {
    const rate = aging?.priorityPerSecond;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
      throw new RangeError(
        `aging.priorityPerSecond must be a finite number > 0, got ${shown(rate)}`,
      );
    }
    if (policy !== 'priority' && policy !== 'priority-deadline') {
      throw new TypeError(
        `aging needs a policy that uses priority ('priority' or 'priority-deadline'), not '${policy}'`,
      );
    }
    agingPriorityPerSecond = rate;
  }
  if (!MISS_POLICIES.includes(onDeadlineMiss)) {
    throw new TypeError(
      `onDeadlineMiss must be one of ${MISS_POLICIES.join(', ')}; got ${shown(onDeadlineMiss)}`,
    );
  }
  if (typeof autoStart !== 'boolean') {
    throw new TypeError(`autoStart must be a boolean, got ${shown(autoStart)}`);
  }
  if (clock !== undefined) assertClock(clock, 'clock');
  return { policy, concurrency, agingPriorityPerSecond, onDeadlineMiss, autoStart, clock };
}

/** Checks `add()` options; returns the deadline (`Infinity` for none). */
export function checkAddOptions(options: AddOptions): number {
  assertObject(options, 'add() options');
  const { id, priority, deadline, signal, timeout } = options;
  if (id !== undefined && (typeof id !== 'string' || id === '')) {
    throw new TypeError(`id must be a non-empty string, got ${shown(id)}`);
  }
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    throw new RangeError(`priority must be a finite number, got ${shown(priority)}`);
  }
  if (deadline !== undefined && (typeof deadline !== 'number' || !Number.isFinite(deadline))) {
    throw new RangeError(
      `deadline must be a finite timestamp in clock milliseconds (like Date.now() + 500), got ${shown(deadline)}`,
    );
  }
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)
  ) {
    throw new RangeError(
      `timeout must be a finite number of milliseconds > 0, got ${shown(timeout)}`,
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('signal must be an AbortSignal');
  }
  return deadline ?? Number.POSITIVE_INFINITY;
}

function assertObject(value: unknown, what: string): void {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${what} must be an object or left out, got ${shown(value)}`);
  }
}

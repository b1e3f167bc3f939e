import { type Clock, systemClock } from './clock.js';
import { Counters, type SchedulerStats } from './counters.js';
import { DeadlineWatch } from './deadline-watch.js';
import {
  DeadlineExceededError,
  DuplicateTaskIdError,
  SchedulerClosedError,
  shown,
  TaskNotFoundError,
  TaskTimeoutError,
} from './errors.js';
import {
  type AddOptions,
  checkAddOptions,
  type DeadlineMissPolicy,
  resolveOptions,
  type SchedulerOptions,
} from './options.js';
import { PriorityInheritance } from './priority-inheritance.js';
import type { Policy, QueueAddOptions, RunFunction } from './queue-entry.js';
import { runGuarded, type Task } from './run-with-timeout.js';
import {
  ADDING,
  createHandoff,
  NOT_SAMPLED,
  type SchedulerEntry,
  schedulerQueue,
} from './scheduler-queue.js';
import type { TaskInfo, TaskResult } from './scheduler-types.js';
import type { SchedulingQueue } from './scheduling-queue.js';
import {
  createRecord,
  isThenable,
  NO_SIGNAL,
  onAbortWhileWaiting,
  type TaskRecord,
} from './task-record.js';

// The queue's `insert` has p-queue's `enqueue` signature; the Scheduler hands its entries their
// details through the handoff, so every insert gets these shared ones.
const ANONYMOUS: QueueAddOptions = Object.freeze({ id: '' });
const NO_OPTIONS: AddOptions = Object.freeze({});
/** The `run` of the Scheduler's entries: it starts tasks itself, nobody dequeues them to run. */
const NOT_RUN: RunFunction = () =>
  Promise.reject(new Error('@x/scheduler: a Scheduler task is started by its Scheduler only'));

/** While fewer tasks than this wait, every start's waiting time is sampled. */
const SAMPLE_ALL_BELOW = 64;
/** Beyond that, one plain task in this many is sampled (and weighs as many). */
const SAMPLE_ONE_IN = 16;

/**
 * Runs tasks `concurrency` at a time, picking the next by priority, deadline or arrival (the
 * `policy`), from O(log n) queues (the same classes p-queue users can plug into p-queue).
 *
 * Pay for what you use: a task with no id, deadline, signal or timeout (a "plain" task) gets no
 * record, no closure of its own beyond its promise's, and, unless its waiting time is sampled,
 * no clock reads; its outcome is counted by two handlers shared by every plain task.
 */
export class Scheduler<Miss extends DeadlineMissPolicy = 'run'> {
  readonly policy: Policy;
  readonly concurrency: number;
  readonly #queue: SchedulingQueue;
  readonly #handoff = createHandoff();
  /** Tasks added with an id, waiting or running: the only ones that can be addressed by id. */
  readonly #named = new Map<string, TaskRecord>();
  readonly #clock: Clock;
  readonly #onDeadlineMiss: DeadlineMissPolicy;
  readonly #deadlines: DeadlineWatch<TaskRecord> | undefined;
  readonly #inheritance = new PriorityInheritance(() => this.#queue);
  readonly #count = new Counters();
  /** Countdown to the next sampled plain task while many wait. */
  #sampleCountdown = 1;
  #paused: boolean;
  /** How many `#pump` loops are on the stack: a task settling inside one needs no new pump. */
  #pumping = 0;
  /** `onIdle()` callers waiting for nothing to wait or run. */
  #idleWaiters: Array<() => void> = [];
  #closed: Promise<void> | undefined;

  constructor(options: SchedulerOptions<Miss> = {}) {
    const resolved = resolveOptions(options);
    this.policy = resolved.policy;
    this.concurrency = resolved.concurrency;
    this.#clock = resolved.clock ?? systemClock;
    this.#onDeadlineMiss = resolved.onDeadlineMiss;
    if (resolved.onDeadlineMiss !== 'run') {
      this.#deadlines = new DeadlineWatch(this.#clock, (record) => this.#expire(record));
    }
    this.#queue = schedulerQueue(
      {
        policy: resolved.policy,
        agingPriorityPerSecond: resolved.agingPriorityPerSecond,
        clock: this.#clock,
      },
      this.#handoff,
    );
    this.#paused = resolved.autoStart === false;
  }

  /**
   * Queues `task` and resolves or rejects with its result. Throws at once on invalid options,
   * a duplicate id, or after `close()`.
   */
  add<T>(task: Task<T>, options: AddOptions = NO_OPTIONS): Promise<TaskResult<T, Miss>> {
    if (this.#closed !== undefined) throw new SchedulerClosedError();
    if (typeof task !== 'function') throw new TypeError('task must be a function');
    const deadline = checkAddOptions(options);
    const { id, signal, timeout, priority = 0 } = options;
    if (
      id === undefined &&
      signal === undefined &&
      timeout === undefined &&
      deadline === Number.POSITIVE_INFINITY
    ) {
      return this.#addPlain(task, priority);
    }
    return this.#addRecorded(task, priority, id, deadline, signal, timeout);
  }

  #addPlain<T>(task: Task<T>, priority: number): Promise<TaskResult<T, Miss>> {
    const handoff = this.#handoff;
    handoff.task = task as Task<unknown>;
    handoff.record = undefined;
    handoff.id = '';
    handoff.priority = priority;
    handoff.deadline = Number.POSITIVE_INFINITY;
    if (this.#queue.size < SAMPLE_ALL_BELOW) {
      handoff.addedAt = ADDING;
      handoff.sampleWeight = 1;
    } else if (--this.#sampleCountdown === 0) {
      this.#sampleCountdown = SAMPLE_ONE_IN;
      handoff.addedAt = ADDING;
      handoff.sampleWeight = SAMPLE_ONE_IN;
    } else {
      handoff.addedAt = NOT_SAMPLED;
    }
    const entry = this.#queue.insert(NOT_RUN, ANONYMOUS) as SchedulerEntry;
    const promise = promiseOf(entry) as Promise<TaskResult<T, Miss>>;
    if (!this.#paused && this.#count.running < this.concurrency) this.#pump();
    // Still waiting: a task that started inside add() waited 0 ms and needs no clock read.
    if (entry.heapIndex !== -1 && entry.addedAt === ADDING) entry.addedAt = this.#clock.now();
    return promise;
  }

  #addRecorded<T>(
    task: Task<T>,
    priority: number,
    id: string | undefined,
    deadline: number,
    signal: AbortSignal | undefined,
    timeout: number | undefined,
  ): Promise<TaskResult<T, Miss>> {
    const named = id !== undefined;
    const taskId = id ?? '';
    if (named && this.#named.has(taskId)) throw new DuplicateTaskIdError(taskId);
    const now = this.#clock.now();
    if (now > deadline && this.#onDeadlineMiss !== 'run') {
      this.#count.deadlineMisses++;
      this.#count.expired++;
      return this.#onDeadlineMiss === 'reject'
        ? Promise.reject(new DeadlineExceededError(taskId, deadline, now))
        : Promise.resolve(undefined as TaskResult<T, Miss>);
    }
    const record = createRecord(taskId, named, deadline, now, signal, timeout);
    if (named) this.#named.set(taskId, record);
    const handoff = this.#handoff;
    handoff.task = task as Task<unknown>;
    handoff.record = record;
    handoff.id = taskId;
    handoff.priority = priority;
    handoff.deadline = deadline;
    handoff.addedAt = now;
    handoff.sampleWeight = 1;
    const entry = this.#queue.insert(NOT_RUN, ANONYMOUS) as SchedulerEntry;
    const promise = promiseOf(entry) as Promise<TaskResult<T, Miss>>;
    if (!this.#paused && this.#count.running < this.concurrency) this.#pump();
    if (record.state === 'waiting') {
      if (deadline !== Number.POSITIVE_INFINITY) this.#deadlines?.watch(record);
      if (signal !== undefined)
        onAbortWhileWaiting(record, signal, () => this.#cancelWaiting(record));
    }
    return promise;
  }

  /** Changes the priority of a waiting task (or what a running one passes on by inheritance). */
  setPriority(id: string, priority: number): void {
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw new RangeError(`priority must be a finite number, got ${shown(priority)}`);
    }
    const record = this.#record(id);
    if (record.entry === undefined) return;
    this.#queue.updatePriority(record.entry, priority);
    this.#inheritance.propagate(record);
  }

  /**
   * Task `fromId` waits on task `id`: `id` ranks at least as high as `fromId` (and whatever
   * `fromId` inherits) until either finishes. Throws `InheritanceCycleError` on a circular wait.
   */
  inheritPriority(id: string, fromId: string): void {
    this.#inheritance.link(this.#record(id), this.#record(fromId));
  }

  /** The task that would start next, or `undefined` when none is waiting. */
  peek(): TaskInfo | undefined {
    const entry = this.#queue.peek();
    if (entry === undefined) return undefined;
    return {
      id: entry.id === '' ? undefined : entry.id,
      priority: entry.priority,
      effectivePriority: entry.rankPriority + entry.agingOffset,
      deadline: entry.deadline === Number.POSITIVE_INFINITY ? undefined : entry.deadline,
    };
  }

  /** Number of waiting tasks. */
  get size(): number {
    return this.#queue.size;
  }

  /** Number of running tasks. */
  get pending(): number {
    return this.#count.running;
  }

  get isPaused(): boolean {
    return this.#paused;
  }

  /** Resolves when nothing is waiting or running. */
  onIdle(): Promise<void> {
    if (this.#count.running === 0 && this.#queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
    });
  }

  /** Stops starting tasks; running ones continue. */
  pause(): void {
    this.#paused = true;
  }

  /** Resumes starting tasks after `pause()` or `autoStart: false`. */
  start(): this {
    if (this.#paused) {
      this.#paused = false;
      this.#pump();
    }
    return this;
  }

  /**
   * Removes every waiting task; each one's promise rejects with an `AbortError` (marked as
   * handled, so ignoring it is safe). Running tasks continue.
   */
  clear(): void {
    for (const entry of this.#queue.drain() as SchedulerEntry[]) {
      const record = entry.record;
      if (record !== undefined) {
        record.state = 'cleared';
        this.#forget(record);
      }
      entry.task = undefined;
      this.#count.cancelled++;
      // Like p-queue 10: a caller who ignores a cleared task gets no unhandled rejection.
      entry.promise?.catch(() => {});
      entry.reject(new DOMException('The scheduler was cleared', 'AbortError'));
    }
    this.#checkIdle();
  }

  /**
   * Accepts no more tasks and resolves when the waiting and running ones are done. Idempotent.
   * Call `clear()` first to drop the waiting ones instead; a paused scheduler never drains.
   */
  close(): Promise<void> {
    this.#closed ??= this.onIdle().then(() => this.#deadlines?.close());
    return this.#closed;
  }

  stats(): SchedulerStats {
    return this.#count.snapshot(this.#queue.size);
  }

  /**
   * Starts waiting tasks, best first, while slots are free. A task that settles at once frees
   * its slot inside the loop (no recursion); one that settles later pumps again from its handler.
   */
  #pump(): void {
    const queue = this.#queue;
    this.#pumping++;
    try {
      while (!this.#paused && this.#count.running < this.concurrency) {
        const entry = queue.shift() as SchedulerEntry | undefined;
        if (entry === undefined) break;
        this.#startEntry(entry);
      }
    } finally {
      this.#pumping--;
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#count.running !== 0 || this.#queue.size !== 0 || this.#idleWaiters.length === 0) {
      return;
    }
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** A slot was freed outside a pump (a task settled later): start the next ones. */
  #freed(): void {
    if (this.#pumping === 0) this.#pump();
  }

  #startEntry(entry: SchedulerEntry): void {
    const task = entry.task!;
    entry.task = undefined;
    const record = entry.record;
    if (record !== undefined) {
      this.#startRecorded(entry, record, task);
      return;
    }
    const addedAt = entry.addedAt;
    if (!Number.isNaN(addedAt)) {
      this.#count.waits.record(
        addedAt === ADDING ? 0 : this.#clock.now() - addedAt,
        entry.sampleWeight,
      );
    }
    this.#count.running++;
    let result: unknown;
    try {
      result = task(NO_SIGNAL);
    } catch (error) {
      this.#count.running--;
      this.#count.failed++;
      entry.reject(error);
      return;
    }
    if (isThenable(result)) {
      // Counted first (the handler is attached before the caller's promise adopts the result),
      // so a caller who awaits the task sees it in stats().
      Promise.resolve(result).then(this.#plainCompleted, this.#plainFailed);
      entry.resolve(result);
      return;
    }
    this.#count.running--;
    this.#count.completed++;
    entry.resolve(result);
  }

  readonly #plainCompleted = (): void => {
    this.#count.running--;
    this.#count.completed++;
    this.#freed();
  };

  readonly #plainFailed = (): void => {
    this.#count.running--;
    this.#count.failed++;
    this.#freed();
  };

  #startRecorded(entry: SchedulerEntry, record: TaskRecord, task: Task<unknown>): void {
    const now = this.#clock.now();
    this.#count.waits.record(now - record.addedAt, 1);
    if (now > record.deadline) {
      if (this.#onDeadlineMiss !== 'run') {
        this.#expireRecord(record);
        this.#endUnstarted(entry, new DeadlineExceededError(record.id, record.deadline, now));
        return;
      }
      this.#count.deadlineMisses++;
    }
    record.state = 'running';
    this.#deadlines?.unwatch(record);
    record.stopAbortListener?.();
    record.stopAbortListener = undefined;
    this.#count.running++;
    let result: unknown;
    try {
      result = runGuarded(
        task,
        record.id,
        record.timeoutMs,
        record.signal,
        this.#clock,
        (ok, error) => this.#finish(record, ok, error),
      );
    } catch (error) {
      entry.reject(error);
      return;
    }
    entry.resolve(result);
  }

  /** Ends a task that missed its deadline unstarted: rejected, or resolved with `undefined`. */
  #endUnstarted(entry: SchedulerEntry, error: DeadlineExceededError): void {
    if (this.#onDeadlineMiss === 'drop') entry.resolve(undefined);
    else entry.reject(error);
  }

  /** Counts the outcome of a started task with a record, lets go of it and frees its slot. */
  #finish(record: TaskRecord, ok: boolean, error: unknown): void {
    this.#count.running--;
    if (record.signal?.aborted) this.#count.cancelled++;
    else if (ok) this.#count.completed++;
    else this.#count.failed++;
    if (error instanceof TaskTimeoutError) this.#count.timedOut++;
    this.#forget(record);
    this.#freed();
  }

  /** The deadline watch found a waiting task past its deadline. */
  #expire(record: TaskRecord): void {
    const entry = record.entry as SchedulerEntry | undefined;
    if (record.state !== 'waiting' || entry === undefined) return;
    if (!this.#queue.removeEntry(entry)) return;
    entry.task = undefined;
    this.#expireRecord(record);
    this.#endUnstarted(
      entry,
      new DeadlineExceededError(record.id, record.deadline, this.#clock.now()),
    );
    this.#checkIdle();
  }

  #expireRecord(record: TaskRecord): void {
    record.state = 'expired';
    this.#count.deadlineMisses++;
    this.#count.expired++;
    this.#forget(record);
  }

  /** A waiting task's signal aborted: it leaves the queue and rejects with the reason. */
  #cancelWaiting(record: TaskRecord): void {
    const entry = record.entry as SchedulerEntry | undefined;
    if (record.state !== 'waiting' || entry === undefined) return;
    this.#queue.removeEntry(entry);
    entry.task = undefined;
    record.state = 'cancelled';
    this.#count.cancelled++;
    this.#forget(record);
    entry.reject(record.signal?.reason);
    this.#checkIdle();
  }

  #forget(record: TaskRecord): void {
    if (record.named && this.#named.get(record.id) === record) this.#named.delete(record.id);
    this.#deadlines?.unwatch(record);
    record.stopAbortListener?.();
    record.stopAbortListener = undefined;
    if (record.donors !== undefined || record.recipients !== undefined) {
      this.#inheritance.detach(record);
    }
  }

  #record(id: string): TaskRecord {
    const record = this.#named.get(id);
    if (record === undefined) throw new TaskNotFoundError(id);
    return record;
  }
}

/** The entry `promiseOf` is making a promise for; one shared executor instead of a closure each. */
let making: SchedulerEntry | undefined;
const executor = (resolve: (value: unknown) => void, reject: (reason: unknown) => void): void => {
  making!.resolve = resolve;
  making!.reject = reject;
};

/** Makes the promise `add()` returns, settled through the entry. */
function promiseOf(entry: SchedulerEntry): Promise<unknown> {
  making = entry;
  const promise = new Promise<unknown>(executor);
  making = undefined;
  entry.promise = promise;
  return promise;
}

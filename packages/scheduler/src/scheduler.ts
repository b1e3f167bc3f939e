import PQueue from 'p-queue';
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
import type { Policy, QueueAddOptions } from './queue-entry.js';
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
import { createRecord, NO_SIGNAL, onAbortWhileWaiting, type TaskRecord } from './task-record.js';

// p-queue copies the options of every task and assigns an id to a task that has none; the
// Scheduler hands its tasks' details to its own queue directly, so p-queue gets these shared ones.
const ANONYMOUS: QueueAddOptions = Object.freeze({ id: '' });
const NO_OPTIONS: AddOptions = Object.freeze({});

/** While fewer tasks than this wait, every start's waiting time is sampled. */
const SAMPLE_ALL_BELOW = 64;
/** Beyond that, one plain task in this many is sampled (and weighs as many). */
const SAMPLE_ONE_IN = 16;

/** How a task that never starts is settled through p-queue (see `#settle`). */
type Verdict = 'none' | 'reject' | 'drop';

/**
 * Runs tasks `concurrency` at a time, picking the next by priority, deadline or arrival (the
 * `policy`), on p-queue with O(log n) queue classes.
 *
 * Pay for what you use: a task with no id, deadline, signal or timeout (a "plain" task) gets no
 * record, no closure, no promise beyond p-queue's own and, unless its waiting time is sampled, no
 * clock reads; p-queue's `completed` and `error` events count its outcome.
 */
export class Scheduler<Miss extends DeadlineMissPolicy = 'run'> {
  readonly policy: Policy;
  readonly concurrency: number;
  readonly #pq: PQueue<SchedulingQueue, QueueAddOptions>;
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
  /** How a task that #settle hands to p-queue ends, instead of running. */
  #verdict: Verdict = 'none';
  #verdictError: unknown;
  /**
   * p-queue events of tasks whose outcome the scheduler counted itself (tasks with a record, and
   * tasks that never started): each event of that kind is skipped once. An event only needs its
   * kind to be counted, so it does not matter which task's event skips.
   */
  #skipCompleted = 0;
  #skipFailed = 0;
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
    const { queue, queueClass } = schedulerQueue(
      {
        policy: resolved.policy,
        agingPriorityPerSecond: resolved.agingPriorityPerSecond,
        clock: this.#clock,
      },
      this.#handoff,
    );
    this.#queue = queue;
    this.#pq = new PQueue<SchedulingQueue, QueueAddOptions>({
      concurrency: resolved.concurrency,
      autoStart: resolved.autoStart,
      queueClass,
    });
    this.#pq.on('completed', this.#onCompleted);
    this.#pq.on('error', this.#onFailed);
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
    const promise = this.#pq.add(this.#start, ANONYMOUS) as Promise<TaskResult<T, Miss>>;
    const entry = handoff.inserted;
    handoff.inserted = undefined;
    if (entry !== undefined && entry.heapIndex !== -1) {
      // Still waiting: a task that started inside add() waited 0 ms and needs no clock read.
      entry.promise = promise;
      if (entry.addedAt === ADDING) entry.addedAt = this.#clock.now();
    }
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
    const promise = this.#pq.add(this.#start, ANONYMOUS) as Promise<TaskResult<T, Miss>>;
    const entry = handoff.inserted;
    handoff.inserted = undefined;
    if (record.state === 'waiting' && entry !== undefined) {
      entry.promise = promise;
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
    return this.#pq.size;
  }

  /** Number of running tasks. */
  get pending(): number {
    return this.#count.running;
  }

  get isPaused(): boolean {
    return this.#pq.isPaused;
  }

  /** Resolves when nothing is waiting or running. */
  onIdle(): Promise<void> {
    return this.#pq.onIdle();
  }

  /** Stops starting tasks; running ones continue. */
  pause(): void {
    this.#pq.pause();
  }

  /** Resumes starting tasks after `pause()` or `autoStart: false`. */
  start(): this {
    this.#pq.start();
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
      this.#count.cancelled++;
      // Like p-queue 10: a caller who ignores a cleared task gets no unhandled rejection.
      entry.promise?.catch(() => {});
      this.#settle(entry, 'reject', new DOMException('The scheduler was cleared', 'AbortError'));
    }
  }

  /**
   * Accepts no more tasks and resolves when the waiting and running ones are done. Idempotent.
   * Call `clear()` first to drop the waiting ones instead; a paused scheduler never drains.
   */
  close(): Promise<void> {
    this.#closed ??= this.#pq.onIdle().then(() => this.#deadlines?.close());
    return this.#closed;
  }

  stats(): SchedulerStats {
    return this.#count.snapshot(this.#pq.size);
  }

  /**
   * The one function p-queue runs for every task: it starts the entry the queue just dequeued
   * (or the one `#settle` is ending). Plain tasks are returned to p-queue as they are.
   */
  readonly #start = (): unknown => {
    const handoff = this.#handoff;
    const entry = handoff.shifted;
    handoff.shifted = undefined;
    if (entry === undefined) {
      throw new Error('@x/scheduler: p-queue started a task its queue did not hand out');
    }
    if (this.#verdict !== 'none') return this.#endUnstarted();
    // A task that starts inside add() may add tasks itself; keep the outer add()'s entry.
    const inserted = handoff.inserted;
    if (inserted === undefined) return this.#startEntry(entry);
    try {
      return this.#startEntry(entry);
    } finally {
      handoff.inserted = inserted;
    }
  };

  #startEntry(entry: SchedulerEntry): unknown {
    const task = entry.task!;
    entry.task = undefined;
    const record = entry.record;
    if (record !== undefined) return this.#startRecorded(record, task);
    const addedAt = entry.addedAt;
    if (!Number.isNaN(addedAt)) {
      this.#count.waits.record(
        addedAt === ADDING ? 0 : this.#clock.now() - addedAt,
        entry.sampleWeight,
      );
    }
    this.#count.running++;
    return task(NO_SIGNAL);
  }

  #startRecorded(record: TaskRecord, task: Task<unknown>): unknown {
    const now = this.#clock.now();
    this.#count.waits.record(now - record.addedAt, 1);
    if (now > record.deadline) {
      if (this.#onDeadlineMiss !== 'run') {
        this.#expireRecord(record);
        this.#verdict = this.#onDeadlineMiss === 'reject' ? 'reject' : 'drop';
        this.#verdictError = new DeadlineExceededError(record.id, record.deadline, now);
        return this.#endUnstarted();
      }
      this.#count.deadlineMisses++;
    }
    record.state = 'running';
    this.#deadlines?.unwatch(record);
    record.stopAbortListener?.();
    record.stopAbortListener = undefined;
    this.#count.running++;
    return runGuarded(task, record.id, record.timeoutMs, record.signal, this.#clock, (ok, error) =>
      this.#finish(record, ok, error),
    );
  }

  /** Ends a task that will never run, as `#verdict` says; its p-queue event is not counted. */
  #endUnstarted(): undefined {
    const verdict = this.#verdict;
    const error = this.#verdictError;
    this.#verdict = 'none';
    this.#verdictError = undefined;
    if (verdict === 'drop') {
      this.#skipCompleted++;
      return undefined;
    }
    this.#skipFailed++;
    throw error;
  }

  /**
   * Ends a waiting task without running it: p-queue settles a task's promise only by running it,
   * so this runs it with a verdict that `#start` carries out instead of the task.
   */
  #settle(entry: SchedulerEntry, verdict: Exclude<Verdict, 'none'>, error: unknown): void {
    this.#handoff.shifted = entry;
    this.#verdict = verdict;
    this.#verdictError = error;
    void entry.run();
  }

  readonly #onCompleted = (): void => {
    if (this.#skipCompleted > 0) {
      this.#skipCompleted--;
      return;
    }
    this.#count.running--;
    this.#count.completed++;
  };

  readonly #onFailed = (): void => {
    if (this.#skipFailed > 0) {
      this.#skipFailed--;
      return;
    }
    this.#count.running--;
    this.#count.failed++;
  };

  /** Counts the outcome of a started task with a record and lets go of the record. */
  #finish(record: TaskRecord, ok: boolean, error: unknown): void {
    if (ok) this.#skipCompleted++;
    else this.#skipFailed++;
    this.#count.running--;
    if (record.signal?.aborted) this.#count.cancelled++;
    else if (ok) this.#count.completed++;
    else this.#count.failed++;
    if (error instanceof TaskTimeoutError) this.#count.timedOut++;
    this.#forget(record);
  }

  /** The deadline watch found a waiting task past its deadline. */
  #expire(record: TaskRecord): void {
    const entry = record.entry as SchedulerEntry | undefined;
    if (record.state !== 'waiting' || entry === undefined) return;
    if (!this.#queue.removeEntry(entry)) return;
    this.#expireRecord(record);
    const now = this.#clock.now();
    this.#settle(
      entry,
      this.#onDeadlineMiss === 'reject' ? 'reject' : 'drop',
      new DeadlineExceededError(record.id, record.deadline, now),
    );
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
    record.state = 'cancelled';
    this.#count.cancelled++;
    this.#forget(record);
    this.#settle(entry, 'reject', record.signal?.reason);
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

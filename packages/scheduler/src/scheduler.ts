import PQueue from 'p-queue';
import { type Clock, systemClock } from './clock.js';
import { Counters, type SchedulerStats } from './counters.js';
import { DeadlineWatch } from './deadline-watch.js';
import {
  DeadlineExceededError,
  DuplicateTaskIdError,
  SchedulerClosedError,
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
import { schedulerQueue } from './queue-class.js';
import type { Policy, QueueAddOptions } from './queue-entry.js';
import { runWithTimeout, type Task } from './run-with-timeout.js';
import type { TaskInfo, TaskResult } from './scheduler-types.js';
import type { SchedulingQueue } from './scheduling-queue.js';
import {
  createRecord,
  isThenable,
  NO_SIGNAL,
  onAbortWhileWaiting,
  type TaskRecord,
} from './task-record.js';

interface SchedulerAddOptions extends QueueAddOptions {
  readonly signal?: AbortSignal | undefined;
}

// Shared objects for the common call without options, so it allocates none of its own.
const NO_OPTIONS: AddOptions = Object.freeze({});
const ANONYMOUS: SchedulerAddOptions = Object.freeze({ id: '' });

/**
 * Runs tasks `concurrency` at a time, picking the next by priority, deadline or arrival (the
 * `policy`), on p-queue with O(log n) queue classes.
 */
export class Scheduler<Miss extends DeadlineMissPolicy = 'run'> {
  readonly policy: Policy;
  readonly concurrency: number;
  readonly #pq: PQueue<SchedulingQueue, SchedulerAddOptions>;
  readonly #queue: SchedulingQueue;
  /** Tasks added with an id, waiting or running: the only ones that can be addressed by id. */
  readonly #named = new Map<string, TaskRecord>();
  /** The task p-queue is inserting right now; p-queue enqueues synchronously inside add(). */
  #inserting: TaskRecord | undefined;
  /** Set while clear() settles the removed tasks through p-queue. */
  #clearing = false;
  readonly #clock: Clock;
  readonly #onDeadlineMiss: DeadlineMissPolicy;
  readonly #deadlines: DeadlineWatch<TaskRecord> | undefined;
  readonly #inheritance = new PriorityInheritance(() => this.#queue);
  readonly #count = new Counters();
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
      (entry) => {
        if (this.#inserting !== undefined) this.#inserting.entry = entry;
      },
    );
    this.#queue = queue;
    this.#pq = new PQueue<SchedulingQueue, SchedulerAddOptions>({
      concurrency: resolved.concurrency,
      autoStart: resolved.autoStart,
      queueClass,
    });
  }

  /**
   * Queues `task` and resolves or rejects with its result. Throws at once on invalid options,
   * a duplicate id, or after `close()`.
   */
  add<T>(task: Task<T>, options: AddOptions = NO_OPTIONS): Promise<TaskResult<T, Miss>> {
    if (this.#closed !== undefined) throw new SchedulerClosedError();
    if (typeof task !== 'function') throw new TypeError('task must be a function');
    const deadline = checkAddOptions(options);
    // Unnamed tasks get the empty id: nobody can address them, so they need no id at all.
    const id = options.id ?? '';
    const named = id !== '';
    if (named && this.#named.has(id)) throw new DuplicateTaskIdError(id);
    const now = this.#clock.now();
    if (now > deadline && this.#onDeadlineMiss !== 'run') {
      this.#count.deadlineMisses++;
      this.#count.expired++;
      return this.#onDeadlineMiss === 'reject'
        ? Promise.reject(new DeadlineExceededError(id, deadline, now))
        : Promise.resolve(undefined as TaskResult<T, Miss>);
    }
    const record = createRecord(id, named, deadline, now);
    if (named) this.#named.set(id, record);
    const { signal, timeout, priority } = options;
    // p-queue copies these options for every task; the fewer fields, the less garbage.
    let queueOptions: SchedulerAddOptions = ANONYMOUS;
    if (named || signal !== undefined || deadline !== Number.POSITIVE_INFINITY) {
      queueOptions = { id, priority, deadline: options.deadline, signal };
    } else if (priority !== undefined) {
      queueOptions = { id, priority };
    }
    this.#inserting = record;
    let promise: Promise<TaskResult<T, Miss>>;
    try {
      promise = this.#pq.add(
        () => this.#run(record, task, signal, timeout),
        queueOptions,
      ) as Promise<TaskResult<T, Miss>>;
    } finally {
      this.#inserting = undefined;
    }
    if (record.state === 'waiting') {
      record.promise = promise;
      if (deadline !== Number.POSITIVE_INFINITY) this.#deadlines?.watch(record);
      if (signal !== undefined)
        onAbortWhileWaiting(record, signal, () => this.#cancelWaiting(record));
    }
    return promise;
  }

  /** Changes the priority of a waiting task (or what a running one passes on by inheritance). */
  setPriority(id: string, priority: number): void {
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw new RangeError(`priority must be a finite number, got ${String(priority)}`);
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
    return this.#pq.pending;
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
    const entries = this.#queue.drain();
    // p-queue settles a task's promise only by running it: it calls #run synchronously, which
    // sees #clearing and rejects at once instead of starting the task.
    this.#clearing = true;
    try {
      for (const entry of entries) void entry.run();
    } finally {
      this.#clearing = false;
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
   * Starts a task that p-queue dequeued. Not `async`, so that a task costs at most one promise
   * beyond p-queue's own: the one that counts its outcome.
   */
  #run<T>(
    record: TaskRecord,
    task: Task<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): T | PromiseLike<T> | undefined {
    if (this.#clearing) {
      // Like p-queue 10: a caller who ignores a cleared task gets no unhandled rejection.
      record.promise?.catch(() => {});
      record.state = 'cleared';
      this.#count.cancelled++;
      this.#forget(record);
      throw new DOMException('The scheduler was cleared', 'AbortError');
    }
    const now = this.#clock.now();
    if (record.state === 'expired') return this.#missed(record, now);
    this.#count.waits.record(now - record.addedAt);
    if (now > record.deadline) {
      if (this.#onDeadlineMiss !== 'run') {
        this.#expireRecord(record);
        return this.#missed(record, now);
      }
      this.#count.deadlineMisses++;
    }
    record.state = 'running';
    this.#deadlines?.unwatch(record);
    record.stopAbortListener?.();
    this.#count.running++;
    let result: T | PromiseLike<T>;
    try {
      result =
        timeoutMs === undefined
          ? task(signal === undefined ? NO_SIGNAL : { signal })
          : runWithTimeout(task, record.id, timeoutMs, signal, this.#clock);
    } catch (error) {
      this.#finish(record, signal, false, error);
      throw error;
    }
    // A task with no id, signal or timeout leaves nothing to clean up: shared handlers count it.
    const plain = !record.named && signal === undefined && timeoutMs === undefined;
    if (!isThenable(result)) {
      this.#finish(record, signal, true, undefined);
      return result;
    }
    if (plain) return result.then(this.#plainResolved, this.#plainRejected);
    return result.then(
      (value) => {
        this.#finish(record, signal, true, undefined);
        return value;
      },
      (error: unknown) => {
        this.#finish(record, signal, false, error);
        throw error;
      },
    );
  }

  readonly #plainResolved = <T>(value: T): T => {
    this.#count.running--;
    this.#count.completed++;
    return value;
  };

  readonly #plainRejected = (error: unknown): never => {
    this.#count.running--;
    this.#count.failed++;
    throw error;
  };

  /** Counts a started task's outcome and lets go of its record. */
  #finish(record: TaskRecord, signal: AbortSignal | undefined, ok: boolean, error: unknown): void {
    this.#count.running--;
    if (signal?.aborted) this.#count.cancelled++;
    else if (ok) this.#count.completed++;
    else this.#count.failed++;
    if (error instanceof TaskTimeoutError) this.#count.timedOut++;
    this.#forget(record);
  }

  /** The deadline watch found a waiting task past its deadline. */
  #expire(record: TaskRecord): void {
    if (record.state !== 'waiting' || record.entry === undefined) return;
    if (!this.#queue.removeEntry(record.entry)) return;
    this.#expireRecord(record);
    // p-queue settles a task's promise only by running it; #run settles an expired one at once.
    void record.entry.run();
  }

  #expireRecord(record: TaskRecord): void {
    record.state = 'expired';
    this.#count.deadlineMisses++;
    this.#count.expired++;
    this.#forget(record);
  }

  #missed(record: TaskRecord, now: number): undefined {
    if (this.#onDeadlineMiss === 'reject') {
      throw new DeadlineExceededError(record.id, record.deadline, now);
    }
    return undefined;
  }

  /** p-queue removes an aborted waiting task by id and rejects it; this does the rest. */
  #cancelWaiting(record: TaskRecord): void {
    if (record.state !== 'waiting') return;
    // Unnamed tasks have no id for p-queue to remove them by; removing the entry covers both.
    if (record.entry !== undefined) this.#queue.removeEntry(record.entry);
    record.state = 'cancelled';
    this.#count.cancelled++;
    this.#forget(record);
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

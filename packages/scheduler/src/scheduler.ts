import PQueue from 'p-queue';
import { type Clock, systemClock } from './clock.js';
import { DeadlineWatch } from './deadline-watch.js';
import {
  DeadlineExceededError,
  DuplicateTaskIdError,
  SchedulerClosedError,
  TaskNotFoundError,
  TaskTimeoutError,
} from './errors.js';
import type { HeapNode } from './indexed-heap.js';
import {
  type AddOptions,
  checkAddOptions,
  type DeadlineMissPolicy,
  resolveOptions,
  type SchedulerOptions,
} from './options.js';
import { type InheritanceNode, PriorityInheritance } from './priority-inheritance.js';
import { boundQueueClass } from './queue-class.js';
import type { Policy, QueueAddOptions } from './queue-entry.js';
import { runWithTimeout, type Task } from './run-with-timeout.js';
import type { SchedulingQueue } from './scheduling-queue.js';
import { WaitTimes } from './wait-times.js';

/** What `add()` resolves to: with `onDeadlineMiss: 'drop'` a dropped task gives `undefined`. */
export type TaskResult<T, Miss extends DeadlineMissPolicy> = Miss extends 'drop'
  ? T | undefined
  : T;

/** The next task to start, as `peek()` shows it. */
export interface TaskInfo {
  id: string;
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

type TaskState = 'waiting' | 'running' | 'expired' | 'cleared';

interface TaskRecord extends InheritanceNode, HeapNode {
  readonly id: string;
  readonly deadline: number;
  readonly addedAt: number;
  state: TaskState;
  stopAbortListener: (() => void) | undefined;
}

/** How the scheduler finds a task's record in the options p-queue passes to the queue. */
const RECORD = Symbol('record');

interface SchedulerAddOptions extends QueueAddOptions {
  readonly signal?: AbortSignal;
  readonly [RECORD]?: TaskRecord;
}

/**
 * Runs tasks `concurrency` at a time, picking the next by priority, deadline or arrival (the
 * `policy`), on p-queue with O(log n) queue classes.
 */
export class Scheduler<Miss extends DeadlineMissPolicy = 'run'> {
  readonly policy: Policy;
  readonly concurrency: number;
  readonly #pq: PQueue<SchedulingQueue, SchedulerAddOptions>;
  #queue!: SchedulingQueue;
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #clock: Clock;
  readonly #onDeadlineMiss: DeadlineMissPolicy;
  readonly #deadlines: DeadlineWatch<TaskRecord> | undefined;
  readonly #inheritance = new PriorityInheritance(() => this.#queue);
  readonly #waits = new WaitTimes();
  #nextId = 1;
  #running = 0;
  #completed = 0;
  #failed = 0;
  #timedOut = 0;
  #cancelled = 0;
  #expired = 0;
  #deadlineMisses = 0;
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
    const queueClass = boundQueueClass(
      {
        policy: resolved.policy,
        agingPriorityPerSecond: resolved.agingPriorityPerSecond,
        clock: this.#clock,
      },
      {
        onCreate: (queue) => {
          this.#queue = queue;
        },
        onInsert: (entry, addOptions) => {
          const record = (addOptions as SchedulerAddOptions | undefined)?.[RECORD];
          if (record !== undefined) record.entry = entry;
        },
      },
    );
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
  add<T>(task: Task<T>, options: AddOptions = {}): Promise<TaskResult<T, Miss>> {
    if (this.#closed !== undefined) throw new SchedulerClosedError();
    if (typeof task !== 'function') throw new TypeError('task must be a function');
    const deadline = checkAddOptions(options);
    const id = options.id ?? this.#autoId();
    if (this.#tasks.has(id)) throw new DuplicateTaskIdError(id);
    const now = this.#clock.now();
    if (now > deadline && this.#onDeadlineMiss !== 'run') {
      this.#deadlineMisses++;
      this.#expired++;
      return this.#onDeadlineMiss === 'reject'
        ? Promise.reject(new DeadlineExceededError(id, deadline, now))
        : Promise.resolve(undefined as TaskResult<T, Miss>);
    }
    const record: TaskRecord = {
      id,
      deadline,
      addedAt: now,
      state: 'waiting',
      entry: undefined,
      donors: undefined,
      recipients: undefined,
      stopAbortListener: undefined,
      heapIndex: -1,
    };
    this.#tasks.set(id, record);
    const { signal, timeout } = options;
    const promise = this.#pq.add(() => this.#run(record, task, signal, timeout), {
      id,
      priority: options.priority ?? 0,
      ...(options.deadline === undefined ? {} : { deadline }),
      ...(signal === undefined ? {} : { signal }),
      [RECORD]: record,
    }) as Promise<TaskResult<T, Miss>>;
    if (record.state === 'waiting') {
      if (deadline !== Number.POSITIVE_INFINITY) this.#deadlines?.watch(record);
      if (signal !== undefined) this.#listenForAbort(record, signal);
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
      id: entry.id,
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

  /** Removes every waiting task; each one's promise rejects with an `AbortError`. */
  clear(): void {
    for (const entry of this.#queue.drain()) {
      const record = this.#tasks.get(entry.id);
      if (record === undefined) continue;
      record.state = 'cleared';
      this.#forget(record);
      this.#cancelled++;
      // p-queue settles a task's promise only by running it; #run rejects a cleared task at once.
      void entry.run();
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
    return {
      queued: this.#pq.size,
      running: this.#running,
      completed: this.#completed,
      failed: this.#failed,
      timedOut: this.#timedOut,
      cancelled: this.#cancelled,
      expired: this.#expired,
      deadlineMisses: this.#deadlineMisses,
      waitP50Ms: this.#waits.percentile(0.5),
      waitP95Ms: this.#waits.percentile(0.95),
    };
  }

  async #run<T>(
    record: TaskRecord,
    task: Task<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<T | undefined> {
    if (record.state === 'cleared')
      throw new DOMException('The scheduler was cleared', 'AbortError');
    const now = this.#clock.now();
    if (record.state === 'expired') return this.#missed(record, now);
    this.#waits.record(now - record.addedAt);
    if (now > record.deadline) {
      if (this.#onDeadlineMiss !== 'run') {
        this.#expireRecord(record);
        return this.#missed(record, now);
      }
      this.#deadlineMisses++;
    }
    record.state = 'running';
    this.#deadlines?.unwatch(record);
    record.stopAbortListener?.();
    this.#running++;
    try {
      const value = await (timeoutMs === undefined
        ? task(signal === undefined ? {} : { signal })
        : runWithTimeout(task, record.id, timeoutMs, signal, this.#clock));
      if (signal?.aborted) this.#cancelled++;
      else this.#completed++;
      return value;
    } catch (error) {
      if (error instanceof TaskTimeoutError) this.#timedOut++;
      if (signal?.aborted) this.#cancelled++;
      else this.#failed++;
      throw error;
    } finally {
      this.#running--;
      this.#forget(record);
    }
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
    this.#deadlineMisses++;
    this.#expired++;
    this.#forget(record);
  }

  #missed(record: TaskRecord, now: number): undefined {
    if (this.#onDeadlineMiss === 'reject') {
      throw new DeadlineExceededError(record.id, record.deadline, now);
    }
    return undefined;
  }

  #listenForAbort(record: TaskRecord, signal: AbortSignal): void {
    // p-queue removes the task from the queue and rejects it; this only does the bookkeeping.
    const onAbort = () => {
      if (record.state !== 'waiting') return;
      this.#cancelled++;
      this.#forget(record);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    record.stopAbortListener = () => signal.removeEventListener('abort', onAbort);
  }

  #forget(record: TaskRecord): void {
    if (this.#tasks.get(record.id) === record) this.#tasks.delete(record.id);
    this.#deadlines?.unwatch(record);
    record.stopAbortListener?.();
    record.stopAbortListener = undefined;
    if (record.donors !== undefined || record.recipients !== undefined) {
      this.#inheritance.detach(record);
    }
  }

  #record(id: string): TaskRecord {
    const record = this.#tasks.get(id);
    if (record === undefined) throw new TaskNotFoundError(id);
    return record;
  }

  #autoId(): string {
    let id = `task-${this.#nextId++}`;
    while (this.#tasks.has(id)) id = `task-${this.#nextId++}`;
    return id;
  }
}

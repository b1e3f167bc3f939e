import { runAttempt } from './attempt.js';
import { retryDelay } from './backoff.js';
import type { Clock } from './clock.js';
import { criticalPathMs } from './critical-path.js';
import { UnresolvedReferenceError, WorkflowCancelledError } from './errors.js';
import type { CompiledGraph } from './graph.js';
import type { ExecutionOptions, NormalizedStep } from './options.js';
import { ReadyQueue } from './ready-queue.js';
import type { RunResult, StepEvent, StepOutcome, StepResult } from './types.js';

const PENDING = 0;
const READY = 1;
const RUNNING = 2;
const SUCCEEDED = 3;
const FAILED = 4;
const SKIPPED = 5;
const CANCELLED = 6;
const CANCELLED_REASON = 'the run was cancelled';
const OUTCOME: readonly StepOutcome[] = [
  'skipped',
  'skipped',
  'skipped',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
];

/**
 * One run of a workflow: ready-set execution. A step enters the ready queue the moment its last
 * dependency settles; the queue hands out the step with the longest remaining path first.
 * All state lives in typed arrays indexed like the compiled graph, to keep per-step cost low.
 */
export class Execution {
  readonly #graph: CompiledGraph;
  readonly #steps: readonly NormalizedStep[];
  readonly #options: ExecutionOptions;
  readonly #clock: Clock;
  readonly #state: Uint8Array;
  readonly #waiting: Int32Array;
  /** The first dependency that did not succeed, and the failed step at the root of a skip chain. */
  readonly #blockedBy: Int32Array;
  readonly #rootCause: Int32Array;
  /** The attempt last handed out (a token: stale callbacks carry an older one)… */
  readonly #attempt: Int32Array;
  /** …and how many attempts actually started. */
  readonly #started: Int32Array;
  readonly #startedAt: Float64Array;
  readonly #outputs: unknown[];
  readonly #results: StepResult[];
  /** The pending timeout or retry timer of each step. */
  readonly #timers: unknown[];
  readonly #ready: ReadyQueue;
  readonly #controller = new AbortController();
  #running = 0;
  #settled = 0;
  #runStartedAt = 0;
  #failure: { error: unknown } | undefined;
  #cancellation: { reason: unknown } | undefined;
  #finished = false;
  #resolve: (result: RunResult) => void = () => {};

  constructor(graph: CompiledGraph, steps: readonly NormalizedStep[], options: ExecutionOptions) {
    const count = steps.length;
    this.#graph = graph;
    this.#steps = steps;
    this.#options = options;
    this.#clock = options.clock;
    this.#state = new Uint8Array(count);
    this.#waiting = new Int32Array(count);
    this.#blockedBy = new Int32Array(count).fill(-1);
    this.#rootCause = new Int32Array(count).fill(-1);
    this.#attempt = new Int32Array(count);
    this.#started = new Int32Array(count);
    this.#startedAt = new Float64Array(count);
    this.#outputs = new Array(count);
    this.#results = new Array(count);
    this.#timers = new Array(count);
    this.#ready = new ReadyQueue(graph.remaining);
  }

  start(): Promise<RunResult> {
    const promise = new Promise<RunResult>((resolve) => {
      this.#resolve = resolve;
    });
    this.#runStartedAt = this.#clock.now();
    const { signal } = this.#options;
    if (signal?.aborted) {
      this.#abort(signal.reason, CANCELLED_REASON, true);
      return promise;
    }
    signal?.addEventListener('abort', this.#onSignal, { once: true });
    const deps = this.#graph.deps;
    for (let i = 0; i < deps.length; i++) {
      this.#waiting[i] = deps[i]!.length;
      if (deps[i]!.length === 0) {
        this.#state[i] = READY;
        this.#ready.push(i);
      }
    }
    this.#pump();
    this.#finishIfDone();
    return promise;
  }

  readonly #onSignal = (): void => {
    this.#abort(this.#options.signal?.reason, CANCELLED_REASON, true);
  };

  #pump(): void {
    const { concurrency } = this.#options;
    while (this.#running < concurrency && this.#ready.size > 0) {
      const i = this.#ready.pop();
      this.#running++;
      this.#state[i] = RUNNING;
      this.#startAttempt(i);
    }
  }

  #startAttempt(i: number): void {
    const attempt = ++this.#attempt[i]!;
    const onValue = (value: unknown) => this.#succeed(i, attempt, value);
    const onError = (error: unknown) => this.#fail(i, attempt, error);
    const { scheduler } = this.#options;
    if (scheduler === undefined) {
      this.#invoke(i, attempt).then(onValue, onError);
      return;
    }
    const priority = this.#graph.remaining[i]!;
    const signal = this.#controller.signal;
    try {
      scheduler.add(() => this.#invoke(i, attempt), { priority, signal }).then(onValue, onError);
    } catch (error) {
      Promise.reject(error).then(undefined, onError);
    }
  }

  #invoke(i: number, attempt: number): PromiseLike<unknown> {
    // A scheduler may start an attempt the run has given up on meanwhile.
    if (this.#state[i] !== RUNNING || this.#attempt[i] !== attempt) return Promise.resolve();
    const step = this.#steps[i]!;
    const now = this.#clock.now();
    if (this.#started[i] === 0) this.#startedAt[i] = now;
    this.#started[i]!++;
    if (this.#options.onStep)
      this.#emit({ type: 'started', stepId: step.id, attempt, timeMs: now });

    const ids = this.#graph.ids;
    const inputs: Record<string, unknown> = Object.create(null);
    const dependencies: Record<string, StepOutcome> = Object.create(null);
    for (const j of this.#graph.deps[i]!) {
      const state = this.#state[j]!;
      dependencies[ids[j]!] = OUTCOME[state]!;
      if (state === SUCCEEDED) inputs[ids[j]!] = this.#outputs[j];
    }

    return runAttempt(step, attempt, inputs, dependencies, this.#controller.signal, this.#clock);
  }

  #succeed(i: number, attempt: number, output: unknown): void {
    if (this.#state[i] !== RUNNING || this.#attempt[i] !== attempt) return;
    this.#outputs[i] = output;
    this.#settle(i, SUCCEEDED, output);
  }

  #fail(i: number, attempt: number, error: unknown): void {
    if (this.#state[i] !== RUNNING || this.#attempt[i] !== attempt) return;
    const step = this.#steps[i]!;
    if (attempt < step.maxAttempts && this.#shouldRetry(step, error, attempt)) {
      const delayMs = retryDelay(step, attempt, this.#options.random);
      if (this.#options.onStep) {
        const timeMs = this.#clock.now();
        this.#emit({ type: 'retrying', stepId: step.id, attempt, timeMs, error, delayMs });
      }
      this.#timers[i] = this.#clock.setTimeout(() => {
        this.#timers[i] = undefined;
        if (this.#state[i] === RUNNING && this.#attempt[i] === attempt) this.#startAttempt(i);
      }, delayMs);
      return;
    }
    this.#settle(i, FAILED, error);
  }

  #shouldRetry(step: NormalizedStep, error: unknown, attempt: number): boolean {
    // A declarative step's own reference that points at nothing would point at nothing again.
    if (error instanceof UnresolvedReferenceError && error.stepId === step.id) return false;
    if (step.retryOn === undefined) return true;
    try {
      return step.retryOn(error, attempt);
    } catch {
      return false;
    }
  }

  #settle(i: number, state: typeof SUCCEEDED | typeof FAILED, value: unknown): void {
    this.#running--;
    this.#state[i] = state;
    const step = this.#steps[i]!;
    if (state === SUCCEEDED) this.#record(i, 'succeeded', { output: value });
    else this.#record(i, 'failed', { error: value });
    if (state === FAILED) {
      this.#failure ??= { error: value };
      if (this.#options.failFast) {
        const reason = new WorkflowCancelledError(
          `failFast: step "${step.id}" failed, so the run was stopped.`,
          { cause: value },
        );
        this.#release(i);
        this.#abort(reason, `failFast: step "${step.id}" failed`, false);
        return;
      }
    }
    this.#release(i);
    this.#pump();
    this.#finishIfDone();
  }

  /** Counts `i` as settled for its dependents; queues those now ready, skips those now blocked. */
  #release(i: number): void {
    const { dependents } = this.#graph;
    let stack: number[] | undefined;
    let k = i;
    for (;;) {
      const ok = this.#state[k] === SUCCEEDED;
      for (const d of dependents[k]!) {
        if (!ok && this.#blockedBy[d] === -1) {
          this.#blockedBy[d] = k;
          this.#rootCause[d] = this.#state[k] === FAILED ? k : this.#rootCause[k]!;
        }
        if (--this.#waiting[d]! !== 0 || this.#state[d] !== PENDING) continue;
        if (this.#blockedBy[d] !== -1 && this.#steps[d]!.trigger === 'all-success') {
          this.#skip(d, this.#blockReason(d), this.#blockedBy[d]!);
          stack ??= [];
          stack.push(d);
        } else {
          this.#state[d] = READY;
          this.#ready.push(d);
        }
      }
      if (stack === undefined || stack.length === 0) return;
      k = stack.pop()!;
    }
  }

  #blockReason(d: number): string {
    const ids = this.#graph.ids;
    const blocker = this.#blockedBy[d]!;
    const root = this.#rootCause[d]!;
    if (this.#state[blocker] === FAILED) return `dependency "${ids[blocker]}" failed`;
    const status = OUTCOME[this.#state[blocker]!];
    const because = root === -1 ? '' : ` because "${ids[root]}" failed`;
    return `dependency "${ids[blocker]}" was ${status}${because}`;
  }

  #skip(i: number, reason: string, blockedBy: number): void {
    this.#state[i] = SKIPPED;
    if (blockedBy === -1) this.#record(i, 'skipped', { skipReason: reason });
    else this.#record(i, 'skipped', { skipReason: reason, blockedBy: this.#graph.ids[blockedBy]! });
  }

  /** Stores how step `i` ended and tells the listener; `detail` holds only the fields that apply. */
  #record(
    i: number,
    status: StepOutcome,
    detail: { output?: unknown; error?: unknown; skipReason?: string; blockedBy?: string },
  ): void {
    const id = this.#steps[i]!.id;
    const attempts = this.#started[i]!;
    const now = this.#clock.now();
    const result: StepResult & { startedAt?: number; durationMs?: number } =
      status === 'succeeded'
        ? { id, status, output: detail.output, attempts }
        : { id, status, ...detail, attempts };
    if (attempts > 0) {
      result.startedAt = this.#startedAt[i]!;
      result.durationMs = now - this.#startedAt[i]!;
    }
    this.#results[i] = result;
    this.#settled++;
    if (this.#options.onStep) {
      this.#emit({
        type: status,
        stepId: id,
        attempt: attempts,
        timeMs: now,
        ...(status === 'succeeded' ? { output: detail.output } : {}),
        ...(status === 'failed' || status === 'cancelled' ? { error: detail.error } : {}),
        ...(status === 'skipped' ? { reason: detail.skipReason } : {}),
      });
    }
  }

  /** Stops the run: running steps are cancelled with `reason`, all others skipped. */
  #abort(reason: unknown, skipReason: string, bySignal: boolean): void {
    if (this.#finished || this.#controller.signal.aborted) return;
    if (bySignal) this.#cancellation = { reason };
    this.#controller.abort(reason);
    this.#ready.drain();
    for (let i = 0; i < this.#state.length; i++) {
      const state = this.#state[i]!;
      if (state === RUNNING) {
        this.#clock.clearTimeout(this.#timers[i]);
        this.#timers[i] = undefined;
        this.#running--;
        this.#state[i] = CANCELLED;
        this.#record(i, 'cancelled', { error: reason });
      } else if (state === PENDING || state === READY) {
        this.#skip(i, skipReason, -1);
      }
    }
    this.#finishIfDone();
  }

  #finishIfDone(): void {
    if (this.#finished || this.#settled < this.#steps.length) return;
    this.#finished = true;
    this.#options.signal?.removeEventListener('abort', this.#onSignal);
    const ids = this.#graph.ids;
    const steps = Object.fromEntries(ids.map((id, i) => [id, this.#results[i]!]));
    const startedAt = this.#runStartedAt;
    const durationMs = this.#clock.now() - startedAt;
    const timing = {
      startedAt,
      durationMs,
      criticalPathMs: criticalPathMs(this.#graph, this.#results),
    };
    let result: RunResult;
    if (this.#cancellation) {
      result = { status: 'cancelled', steps, error: this.#cancellation.reason, ...timing };
    } else if (this.#failure) {
      result = { status: 'failed', steps, error: this.#failure.error, ...timing };
    } else {
      result = { status: 'succeeded', steps, ...timing };
    }
    this.#resolve(result);
  }

  #emit(event: StepEvent): void {
    try {
      this.#options.onStep?.(event);
    } catch {
      // A listener's bug must not break the run it observes.
    }
  }
}

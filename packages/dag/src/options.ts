import { type Clock, systemClock } from './clock.js';
import type {
  RunOptions,
  SchedulerLike,
  StepEvent,
  StepOptions,
  StepRun,
  TriggerRule,
} from './types.js';

/** A step with its options checked and defaults filled in. */
export interface NormalizedStep {
  readonly id: string;
  readonly run: StepRun;
  readonly needs: readonly string[];
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly retryIf: ((error: unknown, attempt: number) => boolean) | undefined;
  readonly timeoutMs: number | undefined;
  readonly trigger: TriggerRule;
  readonly weight: number;
}

export interface ExecutionOptions {
  readonly concurrency: number;
  readonly signal: AbortSignal | undefined;
  readonly failFast: boolean;
  readonly scheduler: SchedulerLike | undefined;
  readonly onStep: ((event: StepEvent) => void) | undefined;
  readonly clock: Clock;
}

const TRIGGERS: readonly TriggerRule[] = ['all-success', 'all-done'];
/** The longest delay a Node timer honours; past it, Node fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;

/** Checks a step's arguments and fills in the defaults; throws TypeError/RangeError naming the option. */
export function normalizeStep(id: string, run: StepRun, options: StepOptions = {}): NormalizedStep {
  if (typeof id !== 'string' || id.length === 0) {
    throw new TypeError(`step(id): id must be a non-empty string, got ${describe(id)}.`);
  }
  if (typeof run !== 'function') {
    throw new TypeError(`step("${id}"): run must be a function, got ${describe(run)}.`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`step("${id}"): options must be an object, got ${describe(options)}.`);
  }
  const needs = options.needs ?? [];
  if (!Array.isArray(needs) || needs.some((n) => typeof n !== 'string')) {
    throw new TypeError(`step("${id}"): options.needs must be an array of step ids.`);
  }
  const retries = options.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`step("${id}"): options.retries must be an integer >= 0, got ${retries}.`);
  }
  const retryDelayMs = timerMs(id, 'retryDelayMs', options.retryDelayMs ?? 100);
  const maxRetryDelayMs = timerMs(id, 'maxRetryDelayMs', options.maxRetryDelayMs ?? 30_000);
  const { timeoutMs } = options;
  if (
    timeoutMs !== undefined &&
    !(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)
  ) {
    throw new RangeError(
      `step("${id}"): options.timeoutMs must be a number > 0 and <= ${MAX_TIMER_MS} (or left out for no limit), got ${describe(timeoutMs)}.`,
    );
  }
  const trigger = options.trigger ?? 'all-success';
  if (!TRIGGERS.includes(trigger)) {
    throw new RangeError(
      `step("${id}"): options.trigger must be 'all-success' or 'all-done', got ${describe(trigger)}.`,
    );
  }
  const weight = options.weight ?? 1;
  if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
    throw new RangeError(
      `step("${id}"): options.weight must be a finite number >= 0, got ${describe(weight)}.`,
    );
  }
  const { retryIf } = options;
  if (retryIf !== undefined && typeof retryIf !== 'function') {
    throw new TypeError(`step("${id}"): options.retryIf must be a function.`);
  }
  return {
    id,
    run,
    // A copy, so later edits to the caller's array cannot change the graph; a dependency named
    // twice is one dependency (indexOf beats a Set for the few needs a step has).
    needs: needs.every((n, k) => needs.indexOf(n) === k) ? needs.slice() : [...new Set(needs)],
    retries,
    retryDelayMs,
    maxRetryDelayMs,
    retryIf,
    timeoutMs,
    trigger,
    weight,
  };
}

/** Checks run options and fills in the defaults. */
export function normalizeRunOptions(options: RunOptions = {}): ExecutionOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`run(options): options must be an object, got ${describe(options)}.`);
  }
  const concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
  if (
    !(
      concurrency === Number.POSITIVE_INFINITY ||
      (Number.isInteger(concurrency) && concurrency >= 1)
    )
  ) {
    throw new RangeError(
      `run(options): options.concurrency must be an integer >= 1 or Infinity, got ${describe(concurrency)}.`,
    );
  }
  const { signal, scheduler, onStep } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('run(options): options.signal must be an AbortSignal.');
  }
  if (scheduler !== undefined && typeof scheduler?.add !== 'function') {
    throw new TypeError(
      'run(options): options.scheduler must have an add(fn, options) method, like p-queue.',
    );
  }
  if (onStep !== undefined && typeof onStep !== 'function') {
    throw new TypeError('run(options): options.onStep must be a function.');
  }
  const clock: Clock = options.clock ?? systemClock;
  if (
    clock === null ||
    typeof clock !== 'object' ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new TypeError('run(options): options.clock must have now, setTimeout and clearTimeout.');
  }
  const failFast = options.failFast ?? false;
  if (typeof failFast !== 'boolean') {
    throw new TypeError(
      `run(options): options.failFast must be a boolean, got ${describe(failFast)}.`,
    );
  }
  return { concurrency, signal, failFast, scheduler, onStep, clock };
}

function timerMs(id: string, name: string, value: number): number {
  if (!(typeof value === 'number' && value >= 0 && value <= MAX_TIMER_MS)) {
    throw new RangeError(
      `step("${id}"): options.${name} must be a number >= 0 and <= ${MAX_TIMER_MS}, got ${describe(value)}.`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  return String(value);
}

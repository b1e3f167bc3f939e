import { type Clock, systemClock } from './clock.js';
import type {
  Jitter,
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
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly jitter: Jitter;
  readonly retryOn: ((error: unknown, attempt: number) => boolean) | undefined;
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
  readonly random: () => number;
}

const TRIGGERS: readonly TriggerRule[] = ['all-success', 'all-done'];
const JITTERS: readonly Jitter[] = ['full', 'none'];
/** The longest delay a Node timer honours; past it, Node fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;
/** The most attempts a step may make, first included: a bound for definitions from JSON. */
export const MAX_ATTEMPTS = 100;

/** The defaults of a step's retry options. */
export const RETRY_DEFAULTS = {
  maxAttempts: 1,
  baseDelayMs: 100,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 'full',
} as const;

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
  const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1 && maxAttempts <= MAX_ATTEMPTS)) {
    throw new RangeError(
      `step("${id}"): options.maxAttempts must be an integer from 1 to ${MAX_ATTEMPTS} (attempts in all, the first included), got ${describe(maxAttempts)}.`,
    );
  }
  const baseDelayMs = timerMs(id, 'baseDelayMs', options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs);
  const maxDelayMs = timerMs(id, 'maxDelayMs', options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs);
  const multiplier = options.multiplier ?? RETRY_DEFAULTS.multiplier;
  if (!(typeof multiplier === 'number' && Number.isFinite(multiplier) && multiplier >= 1)) {
    throw new RangeError(
      `step("${id}"): options.multiplier must be a finite number >= 1, got ${describe(multiplier)}.`,
    );
  }
  const jitter = options.jitter ?? RETRY_DEFAULTS.jitter;
  if (!JITTERS.includes(jitter)) {
    throw new RangeError(
      `step("${id}"): options.jitter must be 'full' or 'none', got ${describe(jitter)}.`,
    );
  }
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
  const { retryOn } = options;
  if (retryOn !== undefined && typeof retryOn !== 'function') {
    throw new TypeError(`step("${id}"): options.retryOn must be a function.`);
  }
  return {
    id,
    run,
    // A copy, so later edits to the caller's array cannot change the graph; a dependency named
    // twice is one dependency (indexOf beats a Set for the few needs a step has).
    needs: needs.every((n, k) => needs.indexOf(n) === k) ? needs.slice() : [...new Set(needs)],
    maxAttempts,
    baseDelayMs,
    maxDelayMs,
    multiplier,
    jitter,
    retryOn,
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
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') {
    throw new TypeError('run(options): options.random must be a function returning [0, 1).');
  }
  return { concurrency, signal, failFast, scheduler, onStep, clock, random };
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

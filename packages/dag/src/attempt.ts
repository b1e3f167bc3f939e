import type { Clock } from './clock.js';
import { StepTimeoutError } from './errors.js';
import type { NormalizedStep } from './options.js';
import type { StepOutcome } from './types.js';

/**
 * Calls a step's function once. Without a time limit the step gets the run's signal (no
 * AbortController per attempt: it is the common case and the hot path); with one it gets a
 * signal of its own that fires on timeout or when the run's does.
 */
export function runAttempt(
  step: NormalizedStep,
  attempt: number,
  inputs: Readonly<Record<string, unknown>>,
  dependencies: Readonly<Record<string, StepOutcome>>,
  runSignal: AbortSignal,
  clock: Clock,
): PromiseLike<unknown> {
  const { timeoutMs } = step;
  const controller = timeoutMs === undefined ? undefined : new AbortController();
  const signal = controller === undefined ? runSignal : controller.signal;
  let result: PromiseLike<unknown>;
  try {
    const value = step.run(inputs, { stepId: step.id, attempt, signal, dependencies });
    result = isThenable(value) ? value : Promise.resolve(value);
  } catch (error) {
    // Reported asynchronously like a rejection, so a failing step never re-enters the runner.
    result = Promise.reject(error);
  }
  if (controller === undefined || timeoutMs === undefined) return result;
  return withTimeout(result, timeoutMs, controller, runSignal, clock, () => {
    return new StepTimeoutError(step.id, timeoutMs, attempt);
  });
}

/**
 * Settles like `result`, or rejects with `onTimeout()` after `timeoutMs`, aborting `controller`
 * with that error so the step can stop its work. When `parent` fires first, `controller` is
 * aborted with the parent's reason and the timer is cleared; the outcome is then left to the
 * caller, who stopped listening.
 */
export function withTimeout<T>(
  result: PromiseLike<T>,
  timeoutMs: number,
  controller: AbortController,
  parent: AbortSignal,
  clock: Clock,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanUp = () => {
      clock.clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    };
    const onParentAbort = () => {
      cleanUp();
      controller.abort(parent.reason);
    };
    const timer = clock.setTimeout(() => {
      cleanUp();
      const error = onTimeout();
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    parent.addEventListener('abort', onParentAbort, { once: true });
    result.then(
      (value) => {
        cleanUp();
        resolve(value);
      },
      (error: unknown) => {
        cleanUp();
        reject(error);
      },
    );
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

import type { ClientChannel, TraceContext } from '../catalog/index.js';
import { CallCancelledError, errorCode, errorMessage } from '../errors.js';
import type { DispatchCall, Dispatcher } from './dispatcher.js';

export type ParallelOutcome =
  | { ok: true; result: unknown; cached: boolean }
  | { ok: false; error: { code: string; message: string } };

export interface ParallelOptions {
  /** How many calls run at once. @default the number of calls */
  maxConcurrency?: number;
  /** Cancels the whole batch: queued calls do not start, running ones are aborted. */
  signal?: AbortSignal;
  /** Called once per finished call, in finishing order. */
  onSettled?: (index: number, settled: number, total: number) => void;
  /** The caller's W3C trace context: every call's span joins that trace. */
  trace?: TraceContext | undefined;
  /** The client whose request caused the batch: a peer's requests and log lines go to it. */
  client?: ClientChannel | undefined;
}

/**
 * Runs calls concurrently (bounded) and answers one outcome per call in input order; one call's
 * failure never fails the batch.
 */
export async function dispatchParallel(
  dispatcher: Dispatcher,
  calls: readonly DispatchCall[],
  options: ParallelOptions = {},
): Promise<ParallelOutcome[]> {
  const { maxConcurrency = calls.length, signal, onSettled, trace, client } = options;
  const dispatchOptions = trace || client ? { trace, client } : undefined;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new RangeError(`maxConcurrency must be an integer >= 1; got ${maxConcurrency}.`);
  }
  const outcomes: ParallelOutcome[] = new Array(calls.length);
  let next = 0;
  let settled = 0;
  const worker = async () => {
    while (next < calls.length) {
      const index = next++;
      const call = calls[index]!;
      try {
        if (signal?.aborted) throw new CallCancelledError(signal.reason);
        const done = await dispatcher.dispatch(call, signal, dispatchOptions);
        outcomes[index] = { ok: true, result: done.result, cached: done.cached };
      } catch (error) {
        outcomes[index] = {
          ok: false,
          error: { code: errorCode(error), message: errorMessage(error) },
        };
      }
      settled++;
      onSettled?.(index, settled, calls.length);
    }
  };
  const workers = Array.from({ length: Math.min(maxConcurrency, calls.length) }, worker);
  await Promise.all(workers);
  return outcomes;
}

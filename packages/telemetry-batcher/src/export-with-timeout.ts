import type { TimerHandle } from './clock.js';
import { ExportTimeoutError } from './errors.js';
import type { Span, SpanExporter } from './span.js';

/** Starts and stops timers; the batcher decides whether they may keep the process alive. */
export interface Timers {
  start(callback: () => void, ms: number): TimerHandle;
  stop(handle: TimerHandle): void;
}

/**
 * One export attempt: the exporter gets `controller.signal`, which aborts after `timeoutMs`.
 * The returned promise settles on abort even if the exporter ignores its signal, so a hung
 * exporter cannot hold a slot (and the memory of its batch) forever. `handOver`, asked right
 * before the exporter is called, may answer false: then the attempt resolves without it.
 */
export function exportWithTimeout(
  exporter: SpanExporter,
  batch: readonly Span[],
  controller: AbortController,
  timeoutMs: number,
  timers: Timers,
  handOver: () => boolean = () => true,
): Promise<void> {
  const signal = controller.signal;
  const timer = timers.start(() => controller.abort(new ExportTimeoutError(timeoutMs)), timeoutMs);
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    // Starting inside a promise turns a synchronous throw of the exporter into a rejection.
    Promise.resolve()
      .then(() => (handOver() ? exporter.export(batch, { signal }) : undefined))
      .then(resolve, reject);
  }).finally(() => timers.stop(timer));
}

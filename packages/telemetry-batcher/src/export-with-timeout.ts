import { type Clock, unrefTimeout } from './clock.js';
import { ExportTimeoutError } from './errors.js';
import type { Span, SpanExporter } from './span.js';

/**
 * One export attempt: the exporter gets `controller.signal`, which aborts after `timeoutMs`.
 * The returned promise settles on abort even if the exporter ignores its signal, so a hung
 * exporter cannot hold a slot (and the memory of its batch) forever.
 */
export function exportWithTimeout(
  exporter: SpanExporter,
  batch: readonly Span[],
  controller: AbortController,
  timeoutMs: number,
  clock: Clock,
): Promise<void> {
  const signal = controller.signal;
  const timer = unrefTimeout(
    clock,
    () => controller.abort(new ExportTimeoutError(timeoutMs)),
    timeoutMs,
  );
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    // Starting inside a promise turns a synchronous throw of the exporter into a rejection.
    Promise.resolve()
      .then(() => exporter.export(batch, { signal }))
      .then(resolve, reject);
  }).finally(() => clock.clearTimeout(timer));
}

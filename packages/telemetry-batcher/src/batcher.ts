import { type Backoff, retryDelayMs } from './backoff.js';
import type {
  DropReason,
  ExportErrorInfo,
  TelemetryBatcherOptions,
  TelemetryBatcherStats,
} from './batcher-options.js';
import { resolveBatcherOptions } from './batcher-options.js';
import { type Clock, refTimer, type TimerHandle, unrefTimer } from './clock.js';
import { ShutdownTimeoutError } from './errors.js';
import { exportWithTimeout, type Timers } from './export-with-timeout.js';
import type { Span, SpanExporter } from './span.js';
import { SpanQueue } from './span-queue.js';

interface FlushWaiter {
  target: number;
  resolve: () => void;
}

interface InFlightBatch {
  startSeq: number;
  spans: Span[];
  // The exporter holds the batch now (an attempt is running and has reached it).
  handedOver: boolean;
  // flushSync() wrote the batch: the async path must neither export nor count it again.
  takenBySync: boolean;
  // Ends the retry wait early.
  wake: (() => void) | undefined;
}

/**
 * Collects spans and ships them in batches. `add()` only puts the span in a bounded ring
 * buffer; exports run later, off the caller's path.
 *
 * @example
 * const batcher = new TelemetryBatcher({ exporter: new JsonlFileExporter({ path: 'spans.jsonl' }) });
 * batcher.add({ name: 'search', startTimeMs: Date.now(), durationMs: 12.5, ok: true });
 * await batcher.shutdown();
 */
export class TelemetryBatcher {
  readonly #exporter: SpanExporter;
  readonly #maxBatchSize: number;
  readonly #maxQueueBytes: number;
  readonly #maxConcurrentExports: number;
  readonly #exportTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #retryOn: (error: unknown, attempt: number) => boolean;
  readonly #shutdownTimeoutMs: number;
  readonly #estimateBytes: (span: Span) => number;
  readonly #onExportError: ((error: unknown, info: ExportErrorInfo) => void) | undefined;
  readonly #clock: Clock;
  readonly #queue: SpanQueue;
  readonly #flushIntervalMs: number;
  // The periodic flush: a timeout that re-arms itself, always unref'd; undefined once shut down.
  #flushTimer: TimerHandle | undefined;

  // Spans are numbered in arrival order: `#headSeq` is the next one to leave the queue.
  #headSeq = 0;
  // Spans numbered below this leave even in a partial batch (set by flush() and the flush timer).
  #forceUntilSeq = 0;
  #pumpScheduled = false;
  #closed = false;
  #abandoned = false;
  #shutdownPromise: Promise<void> | undefined;
  readonly #inFlight = new Set<InFlightBatch>();
  readonly #controllers = new Set<AbortController>();
  readonly #sleepers = new Set<() => void>();
  // Export timeouts, retry delays and the shutdown deadline: unref'd while nobody waits for
  // them, ref'd while a flush() or shutdown() does (see #holdProcess).
  readonly #timers = new Set<TimerHandle>();
  readonly #timerApi: Timers = {
    start: (callback, ms) => this.#startTimer(callback, ms),
    stop: (handle) => this.#stopTimer(handle),
  };
  #waiters: FlushWaiter[] = [];

  #added = 0;
  #exported = 0;
  #batches = 0;
  #exportErrors = 0;
  #retries = 0;
  #lastExportDurationMs = 0;
  readonly #dropped: Record<DropReason, number> = {
    queueFull: 0,
    queueBytes: 0,
    closed: 0,
    invalid: 0,
    exportFailed: 0,
    shutdown: 0,
  };

  constructor(options: TelemetryBatcherOptions) {
    const resolved = resolveBatcherOptions(options);
    this.#exporter = resolved.exporter;
    this.#maxBatchSize = resolved.maxBatchSize;
    this.#maxQueueBytes = resolved.maxQueueBytes;
    this.#maxConcurrentExports = resolved.maxConcurrentExports;
    this.#exportTimeoutMs = resolved.exportTimeoutMs;
    this.#maxAttempts = resolved.maxAttempts;
    const { baseDelayMs, maxDelayMs, multiplier, jitter, random } = resolved;
    this.#backoff = { baseDelayMs, maxDelayMs, multiplier, jitter, random };
    this.#retryOn = resolved.retryOn;
    this.#shutdownTimeoutMs = resolved.shutdownTimeoutMs;
    this.#estimateBytes = resolved.estimateBytes;
    this.#onExportError = resolved.onExportError;
    this.#clock = resolved.clock;
    this.#queue = new SpanQueue(resolved.maxQueueSize);
    this.#flushIntervalMs = resolved.flushIntervalMs;
    this.#armFlushTimer();
  }

  /**
   * Queues a span for export. Synchronous, O(1), never throws and never waits for I/O.
   * @returns whether the span was accepted; a refused span is counted in `droppedByReason`.
   */
  add(span: Span): boolean {
    if (this.#closed) return this.#drop('closed', 1);
    const queue = this.#queue;
    if (queue.length === queue.capacity) return this.#drop('queueFull', 1);
    if (span === null || typeof span !== 'object') return this.#drop('invalid', 1);
    let bytes: number;
    try {
      // The fields the report and OTLP cannot do without; a getter that throws lands in catch.
      if (
        typeof span.name !== 'string' ||
        typeof span.startTimeMs !== 'number' ||
        typeof span.durationMs !== 'number'
      ) {
        return this.#drop('invalid', 1);
      }
      bytes = this.#estimateBytes(span);
    } catch {
      return this.#drop('invalid', 1);
    }
    if (queue.bytes + bytes > this.#maxQueueBytes) return this.#drop('queueBytes', 1);
    queue.push(span, bytes);
    this.#added++;
    if (queue.length >= this.#maxBatchSize) this.#schedulePump();
    return true;
  }

  /**
   * Exports every span queued now, in partial batches if need be.
   * @returns a promise that settles when those spans are exported or dropped; never rejects.
   */
  flush(): Promise<void> {
    const target = this.#headSeq + this.#queue.length;
    if (target > this.#forceUntilSeq) this.#forceUntilSeq = target;
    this.#pump();
    if (this.#lowestUnsettledSeq() >= target) return Promise.resolve();
    this.#holdProcess();
    return new Promise((resolve) => this.#waiters.push({ target, resolve }));
  }

  /**
   * Exports synchronously what is queued, in batches, if the exporter has `exportSync`
   * (the JSONL exporter does). For process `exit`, where promises never settle. Batches in
   * flight that the exporter does not hold (about to be handed over, or waiting to retry) are
   * written first, oldest first, and the async path then leaves them alone; batches the
   * exporter holds are its own to order (the JSONL exporter writes them before this call's).
   * @returns the number of spans written.
   */
  flushSync(): number {
    const exportSync = this.#exporter.exportSync;
    if (exportSync === undefined) return 0;
    let written = 0;
    const exportOne = (batch: Span[]): void => {
      try {
        exportSync.call(this.#exporter, batch);
        written += batch.length;
        this.#exported += batch.length;
        this.#batches++;
      } catch (error) {
        this.#exportErrors++;
        this.#notify(error, { attempt: 1, spans: batch.length, willRetry: false });
        this.#drop('exportFailed', batch.length);
      }
    };
    const stranded: InFlightBatch[] = [];
    for (const entry of this.#inFlight) {
      if (!entry.handedOver && !entry.takenBySync) stranded.push(entry);
    }
    stranded.sort((a, b) => a.startSeq - b.startSeq);
    for (const entry of stranded) {
      entry.takenBySync = true;
      entry.wake?.();
      exportOne(entry.spans);
    }
    while (this.#queue.length > 0) {
      const batch = this.#queue.take(this.#maxBatchSize);
      this.#headSeq += batch.length;
      exportOne(batch);
    }
    this.#settleWaiters();
    return written;
  }

  /**
   * Stops accepting spans, exports what is queued, waits for exports in flight (at most
   * `shutdownTimeoutMs`), then shuts the exporter down. Idempotent: every call returns the same
   * promise, which never rejects.
   */
  shutdown(): Promise<void> {
    this.#shutdownPromise ??= this.#shutdown();
    return this.#shutdownPromise;
  }

  /** Whether `shutdown()` was called; `add()` refuses spans from then on. */
  get closed(): boolean {
    return this.#closed;
  }

  stats(): TelemetryBatcherStats {
    const droppedByReason = { ...this.#dropped };
    let dropped = 0;
    for (const reason in droppedByReason) dropped += droppedByReason[reason as DropReason];
    return {
      added: this.#added,
      queued: this.#queue.length,
      queuedBytes: this.#queue.bytes,
      inFlight: this.#inFlight.size,
      exported: this.#exported,
      batches: this.#batches,
      exportErrors: this.#exportErrors,
      retries: this.#retries,
      dropped,
      droppedByReason,
      lastExportDurationMs: this.#lastExportDurationMs,
    };
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    if (this.#flushTimer !== undefined) this.#clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#holdProcess();
    const flushed = this.flush();
    const finished = flushed.then(() => this.#shutdownExporter());
    if (!Number.isFinite(this.#shutdownTimeoutMs)) return finished;
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.#startTimer(() => resolve(true), this.#shutdownTimeoutMs);
    });
    const gaveUp = await Promise.race([finished.then(() => false), timedOut]);
    if (timer !== undefined) this.#stopTimer(timer);
    if (!gaveUp) return;
    // Out of time, in the exports or in exporter.shutdown(): stop waiting for either.
    this.#abandon(new ShutdownTimeoutError(this.#shutdownTimeoutMs));
    await flushed;
  }

  async #shutdownExporter(): Promise<void> {
    try {
      await this.#exporter.shutdown?.();
    } catch (error) {
      this.#notify(error, { attempt: 0, spans: 0, willRetry: false });
    }
  }

  // Someone awaits flush() or shutdown(): the timers their outcome depends on must fire even if
  // nothing else keeps the event loop alive, or the process would quit (exit code 13 on a
  // top-level await, 0 after SIGTERM) with the batch neither written nor counted.
  #holdProcess(): void {
    for (const handle of this.#timers) refTimer(handle);
  }

  #startTimer(callback: () => void, ms: number): TimerHandle {
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(handle);
      callback();
    }, ms);
    if (!this.#closed && this.#waiters.length === 0) unrefTimer(handle);
    this.#timers.add(handle);
    return handle;
  }

  #stopTimer(handle: TimerHandle): void {
    this.#clock.clearTimeout(handle);
    this.#timers.delete(handle);
  }

  // Shutdown ran out of time: cancel running exports, stop retrying, drop the queue.
  #abandon(reason: Error): void {
    this.#abandoned = true;
    for (const controller of this.#controllers) controller.abort(reason);
    for (const wake of this.#sleepers) wake();
    const left = this.#queue.take(this.#queue.length);
    this.#headSeq += left.length;
    this.#drop('shutdown', left.length);
    this.#settleWaiters();
  }

  // Background work: unref'd, so an idle batcher keeps nothing alive.
  #armFlushTimer(): void {
    this.#flushTimer = this.#clock.setTimeout(() => {
      if (this.#closed) return;
      this.#armFlushTimer();
      this.#onFlushTimer();
    }, this.#flushIntervalMs);
    unrefTimer(this.#flushTimer);
  }

  #onFlushTimer(): void {
    if (this.#queue.length === 0) return;
    this.#forceUntilSeq = this.#headSeq + this.#queue.length;
    this.#pump();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#inFlight.size >= this.#maxConcurrentExports) return;
    this.#pumpScheduled = true;
    // A microtask: the export starts right after the caller's synchronous code, never inside add().
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const queue = this.#queue;
    while (
      this.#inFlight.size < this.#maxConcurrentExports &&
      queue.length > 0 &&
      (queue.length >= this.#maxBatchSize || this.#headSeq < this.#forceUntilSeq)
    ) {
      const batch = queue.take(this.#maxBatchSize);
      const entry: InFlightBatch = {
        startSeq: this.#headSeq,
        spans: batch,
        handedOver: false,
        takenBySync: false,
        wake: undefined,
      };
      this.#headSeq += batch.length;
      this.#inFlight.add(entry);
      void this.#exportWithRetry(entry).then(() => {
        this.#inFlight.delete(entry);
        this.#pump();
        this.#settleWaiters();
      });
    }
  }

  async #exportWithRetry(entry: InFlightBatch): Promise<void> {
    const batch = entry.spans;
    for (let attempt = 1; ; attempt++) {
      if (entry.takenBySync) return;
      const startedMs = this.#clock.now();
      try {
        await this.#exportOnce(entry);
        if (entry.takenBySync) return;
        this.#lastExportDurationMs = this.#clock.now() - startedMs;
        this.#exported += batch.length;
        this.#batches++;
        return;
      } catch (error) {
        entry.handedOver = false;
        if (entry.takenBySync) return;
        this.#exportErrors++;
        const willRetry =
          attempt < this.#maxAttempts && !this.#abandoned && this.#shouldRetry(error, attempt);
        this.#notify(error, { attempt, spans: batch.length, willRetry });
        if (!willRetry) {
          this.#drop(this.#abandoned ? 'shutdown' : 'exportFailed', batch.length);
          return;
        }
      }
      await this.#sleep(retryDelayMs(this.#backoff, attempt), entry);
      if (entry.takenBySync) return;
      if (this.#abandoned) {
        this.#drop('shutdown', batch.length);
        return;
      }
      this.#retries++;
    }
  }

  #exportOnce(entry: InFlightBatch): Promise<void> {
    const controller = new AbortController();
    this.#controllers.add(controller);
    return exportWithTimeout(
      this.#exporter,
      entry.spans,
      controller,
      this.#exportTimeoutMs,
      this.#timerApi,
      // Checked right before the hand-over: flushSync() may have written the batch meanwhile.
      () => {
        if (entry.takenBySync) return false;
        entry.handedOver = true;
        return true;
      },
    ).finally(() => this.#controllers.delete(controller));
  }

  #sleep(ms: number, entry: InFlightBatch): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#stopTimer(timer);
        this.#sleepers.delete(wake);
        entry.wake = undefined;
        resolve();
      };
      const timer = this.#startTimer(wake, ms);
      this.#sleepers.add(wake);
      entry.wake = wake;
    });
  }

  #lowestUnsettledSeq(): number {
    let lowest = this.#headSeq;
    for (const batch of this.#inFlight) if (batch.startSeq < lowest) lowest = batch.startSeq;
    return lowest;
  }

  #settleWaiters(): void {
    if (this.#waiters.length === 0) return;
    const lowest = this.#lowestUnsettledSeq();
    const still: FlushWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.target <= lowest) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }

  #drop(reason: DropReason, count: number): false {
    this.#dropped[reason] += count;
    return false;
  }

  #shouldRetry(error: unknown, attempt: number): boolean {
    try {
      return Boolean(this.#retryOn(error, attempt));
    } catch {
      return false;
    }
  }

  #notify(error: unknown, info: ExportErrorInfo): void {
    try {
      this.#onExportError?.(error, info);
    } catch {
      // A throwing listener must not break the export pipeline.
    }
  }
}

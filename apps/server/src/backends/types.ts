/**
 * The four backends every call goes through, each one of our packages behind a small interface,
 * so the pipeline can be tested with fakes and a backend swapped without touching it.
 */

/** One finished call, as the dispatcher reports it to telemetry and metrics. */
export interface CallSpan {
  category: string;
  tool: string;
  /** Epoch milliseconds. */
  startTimeMs: number;
  durationMs: number;
  ok: boolean;
  errorCode?: string;
  errorMessage?: string;
  /** Served from the result cache without running the tool. */
  cached: boolean;
  /** The trace the caller's W3C `traceparent` names, when it sent one. */
  traceId?: string;
  /** This call's span id (set with `traceId`). */
  spanId?: string;
  /** The caller's span id: the parent of this call's span (set with `traceId`). */
  parentSpanId?: string;
  /** Who called (token subject or client id), with `http.auth.principalInSpans` only. */
  principal?: string;
}

/** Something that wants to hear about every finished call (telemetry, metrics). */
export interface CallObserver {
  onCall(span: CallSpan): void;
}

/** Plain figures every scheduler reports. */
export interface SchedulerFigures {
  queued: number;
  running: number;
  completed: number;
  failed: number;
}

/** Orders calls: higher priority first, FIFO among equals, bounded concurrency. */
export interface CallScheduler {
  /** Runs `fn` when its turn comes; rejects without running it if `signal` aborts first. */
  schedule<T>(
    fn: () => Promise<T>,
    options: { priority: number; signal?: AbortSignal },
  ): Promise<T>;
  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void>;
  stats(): SchedulerFigures;
}

/** A circuit's state as the server shows it (`/metrics`, `server_stats`). */
export type GuardState = 'closed' | 'open' | 'half-open' | 'disabled' | 'forced-open';

/**
 * Guards each category with its own circuit: failures of one backend cut it off without
 * touching the others. An open circuit rejects at once with `CircuitOpenError`.
 */
export interface CategoryGuard {
  /**
   * Runs `fn` through the category's circuit. `fn` gets the signal to follow: the caller's, or
   * one that also aborts at the category's timeout; `undefined` when there is neither.
   */
  execute<T>(
    category: string,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T>;
  states(): Record<string, GuardState>;
  /** Each circuit with, when open, the time (epoch ms) it lets a trial call through. */
  circuits?(): Record<string, CircuitDetail>;
}

/** A circuit as the dashboard shows it. */
export interface CircuitDetail {
  state: GuardState;
  /** Set while open: when the circuit lets a trial call through (epoch ms). */
  retryAt?: number;
}

export interface ResultCacheFigures {
  hits: number;
  misses: number;
  hitRate: number;
}

/** Serves results of read-only, idempotent tools by a key computed from the call. */
export interface ResultCache {
  key(category: string, tool: string, params: unknown): string;
  /** `undefined` on a miss; a hit is wrapped so a cached `null` stays a hit. */
  get(key: string): Promise<{ value: unknown } | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  stats(): ResultCacheFigures;
  close(): Promise<void>;
}

/** Records one span per call; flushed and shut down with the server. */
export interface CallRecorder extends CallObserver {
  shutdown(): Promise<void>;
  stats(): Record<string, number>;
}

/** The backends of one server. Build the embedded ones with `createBackends(config)`. */
export interface Backends {
  scheduler: CallScheduler;
  guard: CategoryGuard;
  cache: ResultCache;
  telemetry: CallRecorder;
}

/** What one caller of a coalesced run brings: its own cancellation and a listener for the run's events. */
export interface CoalesceCaller<E> {
  /** Aborting it rejects this caller at once with `CallCancelledError`; the run goes on for the others. */
  signal?: AbortSignal | undefined;
  /** Hears the events (progress) the shared run emits while this caller waits for it. */
  onEvent?: ((event: E) => void) | undefined;
}

/** What the function of a coalesced run receives. */
export interface CoalescedRun<E> {
  /** Aborts once every caller waiting for the run has cancelled (never while one still waits). */
  readonly signal: AbortSignal;
  /** Sends an event (progress) to every caller waiting for the run. */
  emit(event: E): void;
}

export interface CoalescerFigures {
  /** Runs started (one per key with no run in flight). */
  runs: number;
  /** Calls that joined a run already in flight instead of starting their own. */
  coalesced: number;
  /** Runs aborted because every caller waiting for them cancelled. */
  abandoned: number;
  /** Runs in flight now. */
  inFlight: number;
}

/**
 * Single-flight for cacheable calls: identical calls (same cache key) in flight together run once
 * and every caller gets that run's result or its error (nothing is remembered once it settles:
 * the result cache does that). `LocalCoalescer` (backends/coalescer.ts) does it within one
 * instance; an implementation across instances (a shared store) plugs in here, behind the same
 * contract, through `DispatcherDeps.coalescer`.
 */
export interface Coalescer {
  run<T, E = never>(
    key: string,
    fn: (run: CoalescedRun<E>) => Promise<T>,
    caller?: CoalesceCaller<E>,
  ): { promise: Promise<T>; joined: boolean };
  stats(): CoalescerFigures;
}

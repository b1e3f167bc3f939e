import { currentAccess } from '../auth/index.js';
import {
  type CallObserver,
  type CallScheduler,
  type CallSpan,
  type CategoryGuard,
  type CoalescedRun,
  type Coalescer,
  LocalCoalescer,
  type ResultCache,
} from '../backends/index.js';
import type { CategoryRegistry } from '../catalog/index.js';
import {
  type ClientChannel,
  type ContentAnswer,
  isCacheable,
  type ResolvedTool,
  type ToolProgress,
  type TraceContext,
} from '../catalog/index.js';
import {
  CallCancelledError,
  errorCode,
  errorMessage,
  InvalidParamsError,
  ServerClosedError,
} from '../errors.js';
import { InFlight } from '../in-flight.js';
import { CallContext } from './call-context.js';
import type { IdempotencyStore } from './idempotency.js';
import { type CallTrace, callTrace } from './trace.js';

// How long drain() waits for the calls it aborted to settle (and record their spans).
const ABORTED_SETTLE_MS = 100;
type Outcome = { result: unknown; cached: boolean };

/** One call of one tool, as the model asks for it. */
export interface DispatchCall {
  category: string;
  tool: string;
  params?: unknown;
  /** A repeat with the same key inside the window answers with the first call's result. */
  idempotencyKey?: string;
  /** Overrides the category's priority for this call (higher runs first). */
  priority?: number;
}

function answersWithContent(tool: ResolvedTool): boolean {
  return tool.answersWithContent === true;
}

function isContentAnswer(value: unknown): value is ContentAnswer {
  return Array.isArray((value as Partial<ContentAnswer> | null)?.content);
}

export interface DispatchResult {
  /**
   * The tool's result as data (what `dispatch_parallel` and workflow steps see): for a tool that
   * answers with content, its structured content, else `{ content }`.
   */
  result: unknown;
  /** A tool that answers with content (a peer's): its answer as it gave it, for `dispatch`. */
  answer?: ContentAnswer;
  /** Served from the result cache. */
  cached: boolean;
  /** Answered from an earlier call with the same idempotency key. */
  replayed: boolean;
  durationMs: number;
}

export interface DispatcherDeps {
  registry: CategoryRegistry;
  scheduler: CallScheduler;
  guard: CategoryGuard;
  cache: ResultCache;
  idempotency: IdempotencyStore;
  observers: CallObserver[];
  /** The priority of a category's calls when the call names none. */
  categoryPriority: (category: string) => number;
  /** TTL of cached results for tools that declare none. */
  defaultCacheTtlMs: number;
  /** Wall clock for span start times. @default Date.now */
  now?: () => number;
  /** Monotonic clock for durations. @default performance.now */
  monotonic?: () => number;
  /**
   * Runs identical cacheable calls in flight together once (same cache key).
   * @default a LocalCoalescer: within this instance
   */
  coalescer?: Coalescer;
}

export interface DispatchOptions {
  /** Receives the tool's progress reports (a peer's are relayed); cached answers send none. */
  onProgress?: (progress: ToolProgress) => void;
  /** The caller's W3C trace context: the call's span joins that trace; peers receive it. */
  trace?: TraceContext | undefined;
  /** The client whose request caused the call: a peer's requests and log lines go to it. */
  client?: ClientChannel | undefined;
}

export interface DispatcherStats {
  calls: number;
  succeeded: number;
  failed: number;
  cacheHits: number;
  replayed: number;
  /** Calls that joined an identical cacheable call in flight instead of running the tool. */
  coalesced: number;
  inFlight: number;
}

/**
 * The one path every call takes: resolve (loading the category lazily), validate, deduplicate by
 * idempotency key, serve from cache, schedule, guard with the category's breaker, record.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #observers: CallObserver[];
  readonly #now: () => number;
  readonly #monotonic: () => number;
  readonly #coalescer: Coalescer;
  // The calls running now, aborted at shutdown once the grace period is over.
  readonly #live = new Set<CallContext>();
  readonly #inFlight = new InFlight();
  #closed = false;
  #calls = 0;
  #succeeded = 0;
  #failed = 0;
  #cacheHits = 0;
  #replayed = 0;
  #coalesced = 0;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#observers = [...deps.observers];
    this.#now = deps.now ?? Date.now;
    this.#monotonic = deps.monotonic ?? (() => performance.now());
    this.#coalescer = deps.coalescer ?? new LocalCoalescer();
  }

  async dispatch(
    call: DispatchCall,
    signal?: AbortSignal,
    options?: DispatchOptions,
  ): Promise<DispatchResult> {
    const startTimeMs = this.#now();
    const started = this.#monotonic();
    // Only a call whose caller sent a trace context pays for a span id.
    const trace = options?.trace ? callTrace(options.trace) : undefined;
    this.#calls++;
    this.#inFlight.begin();
    let cached = false;
    let replayed = false;
    let context: CallContext | undefined;
    try {
      if (this.#closed) throw new ServerClosedError();
      // A scoped caller (http.auth): its grants and rate limit, before the category loads.
      // (No await without one: an unscoped call's path gets no extra turn.)
      const access = currentAccess();
      if (access) await access.admit(call.category, call.tool);
      const { registry } = this.#deps;
      const tool = // A loaded category's tool is read synchronously: no extra turn.
        registry.loadedTool(call.category, call.tool) ??
        (await registry.tool(call.category, call.tool));
      const valid = tool.validate(call.params ?? {});
      if (!valid.ok) throw new InvalidParamsError(call.category, call.tool, valid.message);
      // No AbortController per call (the tool's signal is made if read; shutdown aborts calls
      // through their contexts). A cache hit needs no context: no tool runs.
      const key =
        call.idempotencyKey === undefined && isCacheable(tool)
          ? this.#deps.cache.key(tool.category, tool.name, valid.value)
          : undefined;
      let outcome = key === undefined ? undefined : await this.#lookup(tool, key);
      if (!outcome) {
        const live = new CallContext(options?.onProgress, trace?.child, options?.client);
        context = live;
        this.#live.add(live);
        const execute = () =>
          key === undefined
            ? this.#execute(tool, call, valid.value, signal, live)
            : this.#share(tool, call, valid.value, key, signal, live);
        if (call.idempotencyKey !== undefined) {
          const remembered = this.#deps.idempotency.run(
            `${call.category}.${call.tool}\u0000${call.idempotencyKey}`,
            execute,
            signal,
          );
          outcome = await live.run(() => remembered.promise);
          // Read once settled: a replay from another instance is known only then.
          replayed = remembered.replayed;
        } else {
          outcome = await live.run(execute);
        }
      }
      cached = outcome.cached && !replayed;
      if (cached) this.#cacheHits++;
      if (replayed) this.#replayed++;
      this.#succeeded++;
      const durationMs = this.#monotonic() - started;
      this.#emit(call, trace, startTimeMs, durationMs, true, cached, undefined);
      if (answersWithContent(tool) && isContentAnswer(outcome.result)) {
        const answer = outcome.result;
        const result = answer.structuredContent ?? { content: answer.content };
        return { result, answer, cached, replayed, durationMs };
      }
      return { result: outcome.result, cached, replayed, durationMs };
    } catch (error) {
      this.#failed++;
      const durationMs = this.#monotonic() - started;
      this.#emit(call, trace, startTimeMs, durationMs, false, cached, error);
      throw error;
    } finally {
      if (context) {
        context.release();
        this.#live.delete(context);
      }
      this.#inFlight.end();
    }
  }

  /** The cached answer under `key`, if any. */
  async #lookup(tool: ResolvedTool, key: string): Promise<Outcome | undefined> {
    const hit = await this.#deps.cache.get(key);
    // An entry not in the tool's answer shape (written by an older version) is a miss.
    const fits = hit && (!answersWithContent(tool) || isContentAnswer(hit.value));
    return fits ? { result: hit.value, cached: true } : undefined;
  }

  async #execute(
    tool: ResolvedTool,
    call: DispatchCall,
    params: unknown,
    signal: AbortSignal | undefined,
    context: CallContext,
  ): Promise<Outcome> {
    if (!isCacheable(tool)) {
      return { result: await this.#run(tool, call, params, signal, context), cached: false };
    }
    const key = this.#deps.cache.key(tool.category, tool.name, params);
    return (await this.#lookup(tool, key)) ?? this.#share(tool, call, params, key, signal, context);
  }

  /** A miss: identical calls in flight run the tool once; each caller may still cancel alone. */
  async #share(
    tool: ResolvedTool,
    call: DispatchCall,
    params: unknown,
    key: string,
    signal: AbortSignal | undefined,
    context: CallContext,
  ): Promise<Outcome> {
    const { promise, joined } = this.#coalescer.run<unknown, ToolProgress>(
      key,
      (run) => this.#runShared(tool, call, params, key, run, context),
      { signal, onEvent: context.onProgress },
    );
    if (joined) this.#coalesced++;
    return { result: await promise, cached: false };
  }

  /**
   * The one run of a coalesced call: its own context (progress to every caller waiting, aborted
   * at shutdown like any call), the shared signal (aborted only once every caller cancelled),
   * and the result stored in the cache before the callers get it.
   */
  async #runShared(
    tool: ResolvedTool,
    call: DispatchCall,
    params: unknown,
    key: string,
    run: CoalescedRun<ToolProgress>,
    leader: CallContext,
  ): Promise<unknown> {
    const context = new CallContext(
      leader.onProgress === undefined ? undefined : (progress) => run.emit(progress),
      leader.trace,
      // A peer's requests to the client go to the client of the call that runs the tool.
      leader.client,
    );
    this.#live.add(context);
    try {
      const result = await context.run(() => this.#run(tool, call, params, run.signal, context));
      const ttlMs = tool.cacheTtlMs ?? this.#deps.defaultCacheTtlMs;
      // An answer made with a client's input (sampling, elicitation, roots) is not for others.
      if (!context.askedClient) await this.#deps.cache.set(key, result, ttlMs);
      return result;
    } finally {
      context.release();
      this.#live.delete(context);
    }
  }

  /** Schedules the tool by priority and runs it through its category's breaker. */
  #run(
    tool: ResolvedTool,
    call: DispatchCall,
    params: unknown,
    signal: AbortSignal | undefined,
    context: CallContext,
  ): Promise<unknown> {
    const { scheduler, guard } = this.#deps;
    const priority = call.priority ?? this.#deps.categoryPriority(tool.category);
    return scheduler.schedule(
      () => {
        if (signal?.aborted) throw new CallCancelledError(signal.reason);
        if (context.aborted) throw new ServerClosedError('grace-ended');
        return guard.execute(
          tool.category,
          (guardSignal) => tool.run(params, context.follow(guardSignal)),
          signal,
        );
      },
      signal === undefined ? { priority } : { priority, signal },
    );
  }

  #emit(
    call: DispatchCall,
    trace: CallTrace | undefined,
    startTimeMs: number,
    durationMs: number,
    ok: boolean,
    cached: boolean,
    error: unknown,
  ): void {
    const span: CallSpan = {
      category: call.category,
      tool: call.tool,
      startTimeMs,
      durationMs,
      ok,
      cached,
    };
    if (!ok) {
      span.errorCode = errorCode(error);
      span.errorMessage = errorMessage(error);
    }
    if (trace) {
      span.traceId = trace.traceId;
      span.spanId = trace.spanId;
      span.parentSpanId = trace.parentSpanId;
    }
    const principal = currentAccess()?.spanPrincipal;
    if (principal !== undefined) span.principal = principal;
    for (const observer of this.#observers) {
      try {
        observer.onCall(span);
      } catch {
        // An observer must never turn a finished call into a failed one.
      }
    }
  }

  /** Adds an observer of every later call (metrics, once they are switched on). */
  observe(observer: CallObserver): void {
    this.#observers.push(observer);
  }

  get inFlight(): number {
    return this.#inFlight.count;
  }

  /** Stops accepting calls; the ones in flight go on. Idempotent. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Waits up to `timeoutMs` for the calls in flight, then aborts the rest and waits (briefly) for
   * them to settle, so their spans are recorded before telemetry shuts down. Resolves with how
   * many were still running when the grace period ended.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.close();
    await this.#inFlight.idle(timeoutMs);
    const left = this.#inFlight.count;
    if (left > 0) {
      const reason = new ServerClosedError('grace-ended');
      for (const context of this.#live) context.abort(reason);
      // An aborted call settles within microtasks; only a call still loading its category waits.
      await this.#inFlight.idle(ABORTED_SETTLE_MS);
    }
    return left;
  }

  stats(): DispatcherStats {
    return {
      calls: this.#calls,
      succeeded: this.#succeeded,
      failed: this.#failed,
      cacheHits: this.#cacheHits,
      replayed: this.#replayed,
      coalesced: this.#coalesced,
      inFlight: this.#inFlight.count,
    };
  }
}

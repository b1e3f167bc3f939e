import { randomUUID } from 'node:crypto';
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  LOG_LEVEL_META_KEY,
  type LoggingLevel,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
  TRACEPARENT_META_KEY,
  TRACESTATE_META_KEY,
} from '@modelcontextprotocol/server';
import type { ClientRequestMethod, LogLevel, ToolProgress } from '../catalog/index.js';
import { Channel, DEFAULT_LEGACY_LOG_LEVEL, missingCapability, SEVERITY } from './client-rules.js';
import type { CallContext } from './tool-kit.js';

export { DEFAULT_LEGACY_LOG_LEVEL, missingCapability } from './client-rules.js';

/**
 * How long a 2026-07-28 client has to answer the input a call asked for (to come back with the
 * `requestState`) before the call is cancelled. Human-paced, like the SDK's own legs.
 */
export const INPUT_WAIT_MS = 10 * 60 * 1000;

/** Longest wait for a 2025-era client's answer to one request (elicitation is human-paced). */
const REQUEST_TIMEOUT_MS = 10 * 60 * 1000;

/** Marks the `requestState` x-server mints, so another server's state is not mistaken for one. */
const STATE_PREFIX = 'x-server:';

export interface ClientOptions {
  /** The level a 2025-era client set with `logging/setLevel` on its serving unit. */
  sessionLevel: () => LoggingLevel | undefined;
  /** The capabilities the client declared (`initialize`, or the 2026-07-28 request's `_meta`). */
  capabilities: () => Record<string, unknown> | undefined;
  /** The serving unit (the same object for each call of one 2025 session or connection). */
  owner?: object;
}

/**
 * True for a request served in the 2026-07-28 era: its envelope names its protocol version (a
 * 2025-era request may carry other envelope keys, never that one).
 */
function isModern(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  return envelope?.[PROTOCOL_VERSION_META_KEY] !== undefined;
}

interface Question {
  request: { method: ClientRequestMethod; params?: Record<string, unknown> };
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: unknown) => void;
}

/**
 * Where a leg's own AbortController rides on its context (`ctx.mcpReq`), when the one serving the
 * leg hands it over: x-server's stdio shortcut (call-shortcut.ts), whose controller aborts with
 * the leg (cancelled, connection closed) and which nothing aborts once the leg is answered. A
 * 2026-07-28 call then takes it as its own instead of making a second controller that follows it.
 */
export const LEG_CONTROLLER: unique symbol = Symbol('x-server leg controller');

/** Calls waiting for a 2026-07-28 client to come back with its input, by `requestState`. */
const waiting = new Map<string, ClientCall>();

/**
 * One `tools/call` from a client, across its legs: one request in the 2025 era; in the
 * 2026-07-28 era, the first request and each retry that brings the input the call asked for
 * (`input_required`, multi round-trip). Its work runs once, across the legs; progress and log
 * lines go out on the leg being served.
 */
class ClientCall {
  #leg: ServerContext | undefined;
  readonly #options: ClientOptions;
  /**
   * Aborts the work when the leg being served is cancelled, or when the client never comes back:
   * made for a 2026-07-28 call only, whose legs come and go (a 2025 call follows its request's
   * own signal; an AbortController is a call's dearest object).
   */
  readonly #controller: AbortController | undefined;
  #onLegAbort: (() => void) | undefined;
  /** Progress and log lines sent and not yet known to be out; none for most calls. */
  #sending: Promise<unknown> | undefined;
  /** Asked by the work and not yet sent to the client (made on the first question). */
  #asked: Question[] | undefined;
  /** Sent to the client in the last `input_required`, by key. */
  #sent: Map<string, Question> | undefined;
  #wake: (() => void) | undefined;
  #expiry: ReturnType<typeof setTimeout> | undefined;
  #next = 0;
  /** The capabilities in the latest 2026-07-28 leg's envelope. */
  #declared: Record<string, unknown> | undefined;
  done: Promise<CallToolResult> | undefined;
  readonly context: CallContext & { settled(): Promise<void> };

  /** False for a context served without {@link serveWithClient}: it cannot answer input_required. */
  readonly #canPark: boolean;

  constructor(leg: ServerContext, options: ClientOptions, canPark = true) {
    this.#options = options;
    this.#canPark = canPark;
    this.#controller =
      canPark && isModern(leg)
        ? ((leg.mcpReq as { [LEG_CONTROLLER]?: AbortController })[LEG_CONTROLLER] ??
          new AbortController())
        : undefined;
    this.#attach(leg);
    const meta = leg.mcpReq._meta as Record<string, unknown> | undefined;
    const traceparent = meta?.[TRACEPARENT_META_KEY];
    const tracestate = meta?.[TRACESTATE_META_KEY];
    // Plain literals of one shape on every call (no spread: V8 builds a spread literal slowly).
    this.context = {
      signal: this.#controller?.signal ?? leg.mcpReq.signal,
      // Asked for on the first leg: a retry's own token carries the later reports.
      progress: meta?.progressToken === undefined ? undefined : this.#progress,
      trace:
        typeof traceparent === 'string'
          ? typeof tracestate === 'string'
            ? { traceparent, tracestate }
            : { traceparent }
          : undefined,
      log: this.#contextLog,
      logs: this.#logs,
      client: new Channel(this, options),
      settled: this.#settled,
    };
  }

  readonly #progress = (progress: ToolProgress): void => this.#sendProgress(progress);
  readonly #contextLog = (level: LogLevel, data: unknown): void =>
    this.log(level, data, 'x-server');
  readonly #logs = (level: LogLevel): boolean => this.#wants(level);
  readonly #settled = async (): Promise<void> => {
    // Loops: a line sent while the earlier ones went out is waited for too.
    while (this.#sending) {
      const sending = this.#sending;
      await sending;
      if (this.#sending === sending) this.#sending = undefined;
    }
  };

  #attach(leg: ServerContext): void {
    this.#leg = leg;
    if (isModern(leg)) {
      const declared = (leg.mcpReq.envelope as Record<string, unknown>)[
        CLIENT_CAPABILITIES_META_KEY
      ];
      if (typeof declared === 'object' && declared !== null) {
        this.#declared = declared as Record<string, unknown>;
      }
    }
    const controller = this.#controller;
    if (!controller) return;
    const { signal } = leg.mcpReq;
    // The leg's own controller, handed over: the call's signal is the leg's.
    if (signal === controller.signal) return;
    if (signal.aborted) controller.abort(signal.reason);
    else {
      this.#onLegAbort = () => controller.abort(signal.reason);
      // No options object to read (a signal aborts once anyway).
      signal.addEventListener('abort', this.#onLegAbort);
    }
  }

  /**
   * Lets go of the leg served. A call that parks stops listening to it (the work goes on past
   * it); a call that is done leaves its listener on the answered leg's signal, which nothing
   * aborts any more and which goes with the request (removing it costs a search per call).
   */
  #detach(parked: boolean): void {
    if (parked && this.#onLegAbort) {
      this.#leg?.mcpReq.signal.removeEventListener('abort', this.#onLegAbort);
    }
    this.#onLegAbort = undefined;
    this.#leg = undefined;
  }

  /**
   * The capabilities the client declared for this call: a 2026-07-28 request's own envelope (the
   * latest leg's; the SDK's view of them too), else what the client declared at `initialize`.
   */
  capabilities(): Record<string, unknown> | undefined {
    return this.#declared ?? this.#options.capabilities();
  }

  logLevel(): LogLevel | undefined {
    const leg = this.#leg;
    if (leg && isModern(leg)) {
      const level = (leg.mcpReq.envelope as Record<string, unknown> | undefined)?.[
        LOG_LEVEL_META_KEY
      ];
      return typeof level === 'string' ? (level as LogLevel) : undefined;
    }
    return this.#options.sessionLevel();
  }

  #sendProgress(progress: ToolProgress): void {
    const leg = this.#leg;
    const progressToken = (leg?.mcpReq._meta as Record<string, unknown> | undefined)
      ?.progressToken as string | number | undefined;
    if (!leg || progressToken === undefined) return;
    // A client that went away cannot take progress; the work goes on.
    const sent = leg.mcpReq
      .notify({ method: 'notifications/progress', params: { progressToken, ...progress } })
      .catch(() => {});
    this.#track(sent);
  }

  #track(sent: Promise<unknown>): void {
    this.#sending = this.#sending ? Promise.all([this.#sending, sent]) : sent;
  }

  /** Whether a line at `level` goes to the client on the leg being served. */
  #wants(level: LogLevel): boolean {
    const leg = this.#leg;
    if (!leg) return false;
    // A 2026-07-28 request names its own level (none: no log lines, as the SDK does).
    const threshold = isModern(leg)
      ? this.logLevel()
      : (this.#options.sessionLevel() ?? DEFAULT_LEGACY_LOG_LEVEL);
    return threshold !== undefined && SEVERITY.indexOf(level) >= SEVERITY.indexOf(threshold);
  }

  log(level: LogLevel, data: unknown, logger?: string): void {
    // A line below the client's level costs no promise.
    if (!this.#wants(level)) return;
    this.#track(this.#leg!.mcpReq.log(level, data, logger).catch(() => {}));
  }

  request(request: Question['request'], signal?: AbortSignal): Promise<Record<string, unknown>> {
    const missing = missingCapability(request, this.capabilities());
    if (missing) {
      return Promise.reject(
        new ProtocolError(
          ProtocolErrorCode.MethodNotFound,
          `The client of this call did not declare the "${missing}" capability ${request.method} needs.`,
        ),
      );
    }
    const leg = this.#leg;
    if (leg && !isModern(leg)) {
      // A 2025-era request: asked as a request of its own, related to the client's call.
      return leg.mcpReq.send(request as never, {
        timeout: REQUEST_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      }) as Promise<Record<string, unknown>>;
    }
    if (!this.#canPark) {
      return Promise.reject(
        new ProtocolError(
          ProtocolErrorCode.InternalError,
          `${request.method} cannot reach a 2026-07-28 client from this call.`,
        ),
      );
    }
    // The 2026-07-28 era: the call answers input_required and waits for the client's retry.
    return new Promise((resolve, reject) => {
      const question: Question = { request, resolve, reject };
      this.#asked ??= [];
      this.#asked.push(question);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.#wake?.();
    });
  }

  /** Serves one leg: the work's answer, or `input_required` with what it asks of the client. */
  async serve(): Promise<CallToolResult | ReturnType<typeof inputRequired>> {
    const done = this.done!;
    if (!this.#controller) {
      // A 2025-era call asks its client directly: it never answers input_required.
      const result = await done;
      if (this.#sending) await this.#settled();
      return result;
    }
    // The work's answer, or undefined once it asked the client something (one promise, no race).
    const outcome = await new Promise<{ result: CallToolResult } | undefined>((resolve, reject) => {
      this.#wake = () => queueMicrotask(() => resolve(undefined));
      if (this.#asked?.length) this.#wake();
      done.then((result) => resolve({ result }), reject);
    });
    this.#wake = undefined;
    // Progress and log lines sent so far go out before the answer.
    if (this.#sending) await this.#settled();
    if (outcome) {
      this.#detach(false);
      return outcome.result;
    }
    const inputRequests: Record<string, { method: string; params?: Record<string, unknown> }> = {};
    this.#sent ??= new Map();
    const sent = this.#sent;
    for (const question of this.#asked?.splice(0) ?? []) {
      const key = `q${++this.#next}`;
      sent.set(key, question);
      inputRequests[key] = question.request;
    }
    this.#detach(true);
    const state = `${STATE_PREFIX}${randomUUID()}`;
    waiting.set(state, this);
    // A client that never comes back: the call is cancelled (nothing awaits the timer).
    this.#expiry = setTimeout(() => {
      waiting.delete(state);
      this.#controller?.abort(new Error('The client did not answer the input the call asked for.'));
    }, INPUT_WAIT_MS);
    this.#expiry.unref();
    return inputRequired({ inputRequests: inputRequests as never, requestState: state });
  }

  /** A retry came back with the client's answers: they go to the work, which goes on. */
  resume(leg: ServerContext): void {
    clearTimeout(this.#expiry);
    this.#attach(leg);
    const responses = leg.mcpReq.inputResponses ?? {};
    const sent = this.#sent ?? new Map<string, Question>();
    for (const [key, question] of sent) {
      const response = responses[key];
      if (response !== null && typeof response === 'object') {
        question.resolve(response as Record<string, unknown>);
      } else {
        question.reject(
          new ProtocolError(ProtocolErrorCode.InternalError, 'The client sent no answer.'),
        );
      }
    }
    sent.clear();
  }
}

/**
 * Serves a `tools/call` whose work may ask the client for input during the call (a peer's
 * sampling, elicitation or roots request): in the 2025 era as requests related to the call; in
 * the 2026-07-28 era through `input_required` (multi round-trip), the work waiting across the
 * client's retries, found again by the `requestState` x-server minted.
 */
export function serveWithClient(
  ctx: ServerContext,
  options: ClientOptions,
  work: (context: CallContext) => Promise<CallToolResult>,
): Promise<CallToolResult | ReturnType<typeof inputRequired>> {
  // Not async: the answer is serve()'s own promise, without an async function's extra turns.
  const state = ctx.mcpReq.requestState();
  if (typeof state === 'string' && state.startsWith(STATE_PREFIX)) {
    const call = waiting.get(state);
    if (!call) {
      return Promise.reject(
        new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState', {
          reason: 'invalid_request_state',
        }),
      );
    }
    waiting.delete(state);
    call.resume(ctx);
    return call.serve();
  }
  try {
    const call = new ClientCall(ctx, options);
    call.done = work(call.context);
    return call.serve();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The context of a call served in one leg (no `input_required`): a 2025-era client still gets
 * requests related to the call; a 2026-07-28 client's are refused. `settled()` waits for the
 * progress and log lines sent so far.
 */
export function callContext(
  ctx: ServerContext,
  sessionLevel: () => LoggingLevel | undefined = () => undefined,
  capabilities: () => Record<string, unknown> | undefined = () => undefined,
): CallContext & { settled(): Promise<void> } {
  return new ClientCall(ctx, { sessionLevel, capabilities }, false).context;
}

/** Calls waiting for a 2026-07-28 client's input now (for tests and stats). */
export function callsAwaitingInput(): number {
  return waiting.size;
}

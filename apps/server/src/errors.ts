/** A cause's message without its closing period, to be followed by more of a sentence. */
function reasonOf(cause: unknown): string {
  return (cause instanceof Error ? cause.message : String(cause)).replace(/\.+$/, '');
}

/**
 * Every error the server raises on purpose carries a stable `code`, so a tool error, a span and a
 * metric label all name the same thing, and a message that says what to do next.
 */
export abstract class XServerError extends Error {
  abstract readonly code: string;
}

export class UnknownCategoryError extends XServerError {
  readonly code = 'UNKNOWN_CATEGORY';
  constructor(readonly category: string) {
    super(
      `Unknown category "${category}". Call list_categories to see the categories this server has.`,
    );
    this.name = 'UnknownCategoryError';
  }
}

export class UnknownToolError extends XServerError {
  readonly code = 'UNKNOWN_TOOL';
  constructor(
    readonly category: string,
    readonly tool: string,
  ) {
    super(
      `Unknown tool "${tool}" in category "${category}". Call list_tools with category "${category}" to see its tools.`,
    );
    this.name = 'UnknownToolError';
  }
}

export class CategoryLoadError extends XServerError {
  readonly code = 'CATEGORY_LOAD_FAILED';
  constructor(
    readonly category: string,
    cause: unknown,
  ) {
    const reason = reasonOf(cause);
    super(
      `Category "${category}" failed to load: ${reason}. The loader runs again on the next use of the category.`,
      { cause },
    );
    this.name = 'CategoryLoadError';
  }
}

export class InvalidParamsError extends XServerError {
  readonly code = 'INVALID_PARAMS';
  constructor(
    readonly category: string,
    readonly tool: string,
    readonly details: string,
  ) {
    super(
      `Invalid params for ${category}.${tool}: ${details}. Call get_tool_schema for the expected shape.`,
    );
    this.name = 'InvalidParamsError';
  }
}

export class CircuitOpenError extends XServerError {
  readonly code = 'CIRCUIT_OPEN';
  constructor(
    readonly category: string,
    /** When the breaker lets a trial call through again (epoch ms), if known. */
    readonly retryAt: number | undefined,
    cause?: unknown,
  ) {
    const when =
      retryAt === undefined
        ? 'later'
        : `after ${new Date(retryAt).toISOString()} (in ${Math.max(0, Math.ceil((retryAt - Date.now()) / 1000))} s)`;
    super(
      `Category "${category}" is failing and its circuit is open; calls are refused until it is retried ${when}.`,
      { cause },
    );
    this.name = 'CircuitOpenError';
  }
}

export class PathOutsideRootError extends XServerError {
  readonly code = 'PATH_OUTSIDE_ROOT';
  constructor(
    readonly path: string,
    readonly root: string,
  ) {
    super(
      `Path "${path}" is outside the fs root "${root}". Use a path relative to the root, without "..".`,
    );
    this.name = 'PathOutsideRootError';
  }
}

export class CallCancelledError extends XServerError {
  readonly code = 'CANCELLED';
  constructor(reason?: unknown) {
    super('The call was cancelled before it finished.', { cause: reason });
    this.name = 'CallCancelledError';
  }
}

/**
 * Why a call met a closing server: it came after shutdown began (`'not-accepting'`), or it was
 * running and was stopped because the shutdown grace period ended (`'grace-ended'`).
 */
export type ServerClosedReason = 'not-accepting' | 'grace-ended';

export class ServerClosedError extends XServerError {
  readonly code = 'SERVER_CLOSED';
  readonly reason: ServerClosedReason;
  constructor(reason: ServerClosedReason = 'not-accepting') {
    super(
      reason === 'grace-ended'
        ? 'The call was stopped because the server is shutting down and its shutdown grace period (shutdownGraceMs) ended before the call finished. Retry against a running instance.'
        : 'The server is shutting down and accepts no new calls. Retry against a running instance.',
    );
    this.name = 'ServerClosedError';
    this.reason = reason;
  }
}

/** One thing wrong in a configuration: the dotted path of the field, and what is wrong. */
export interface ConfigProblem {
  /** Dotted path of the offending field, e.g. `http.port` or `peers.memory.timeoutMs`. */
  field: string;
  message: string;
}

export class ConfigError extends XServerError {
  readonly code = 'INVALID_CONFIG';
  /** Every problem found, each with its path; `field` is the first one's. */
  readonly problems: readonly ConfigProblem[];
  constructor(
    /** Dotted path of the (first) offending field, e.g. `http.port`. */
    readonly field: string,
    detail: string,
    readonly source: string,
    problems: readonly ConfigProblem[] = [{ field, message: detail }],
  ) {
    super(
      problems.length <= 1
        ? `Invalid configuration (${source}) at "${field}": ${detail}`
        : `Invalid configuration (${source}), ${problems.length} problems: ${problems
            .map((problem) => `at "${problem.field}": ${problem.message}`)
            .join('; ')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** One error for every problem found (at least one). */
  static of(problems: readonly ConfigProblem[], source: string): ConfigError {
    const [first] = problems;
    if (!first) throw new TypeError('ConfigError.of needs at least one problem.');
    return new ConfigError(first.field, first.message, source, problems);
  }
}

/**
 * The peer answered the call with a tool error (`isError: true`) or refused its params: the peer
 * is up and working, so this does not count against its circuit.
 */
export class PeerToolError extends XServerError {
  readonly code = 'PEER_TOOL_ERROR';
  constructor(
    readonly peer: string,
    readonly tool: string,
    readonly details: string,
  ) {
    super(`Peer "${peer}" answered ${tool} with an error: ${details}`);
    this.name = 'PeerToolError';
  }
}

/** The connection to a peer broke during the call (process died, HTTP stream cut). */
export class PeerDisconnectedError extends XServerError {
  readonly code = 'PEER_DISCONNECTED';
  constructor(
    readonly peer: string,
    readonly tool: string,
    cause: unknown,
  ) {
    const reason = reasonOf(cause);
    super(
      `The connection to peer "${peer}" was lost during the call to ${tool} (${reason}). The call may or may not have taken effect; the next call reconnects.`,
      { cause },
    );
    this.name = 'PeerDisconnectedError';
  }
}

/** No connection to the peer could be opened (or borrowed) in time. */
export class PeerUnavailableError extends XServerError {
  readonly code = 'PEER_UNAVAILABLE';
  constructor(
    readonly peer: string,
    cause: unknown,
  ) {
    const reason = reasonOf(cause);
    super(
      `Peer "${peer}" is unavailable: ${reason}. Check that it runs (its command or URL in the peers config); calls retry the connection.`,
      { cause },
    );
    this.name = 'PeerUnavailableError';
  }
}

/** The peer did not answer within the peer's `timeoutMs`; it was asked to cancel. */
export class PeerTimeoutError extends XServerError {
  readonly code = 'PEER_TIMEOUT';
  constructor(
    readonly peer: string,
    readonly tool: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Peer "${peer}" did not answer ${tool} within ${timeoutMs} ms; the call was cancelled on the peer. Raise peers.${peer}.timeoutMs if the tool is slow.`,
    );
    this.name = 'PeerTimeoutError';
  }
}

export class UnknownTemplateError extends XServerError {
  readonly code = 'UNKNOWN_TEMPLATE';
  constructor(readonly template: string) {
    super(
      `Unknown workflow template "${template}". Call list_workflow_templates to see the templates.`,
    );
    this.name = 'UnknownTemplateError';
  }
}

/** A workflow (inline or from a template) that cannot run: every problem at once. */
export class InvalidWorkflowError extends XServerError {
  readonly code = 'INVALID_WORKFLOW';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid workflow: ${problems.join('; ')}. Fix the steps (or params) and run it again.`);
    this.name = 'InvalidWorkflowError';
  }
}

/** The stable code of any error, for spans, metrics and tool errors. */
export function errorCode(error: unknown): string {
  if (error instanceof XServerError) return error.code;
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  if (error instanceof Error && error.name === 'AbortError') return 'CANCELLED';
  return 'TOOL_FAILED';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { isAbsolute } from 'node:path';

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
  /**
   * The request was wrong (bad params, a path that does not exist or leaves the root, an
   * unknown tool…): the backend works, so the error never counts against the category's circuit
   * breaker. The call still fails, and is counted as failed in stats and telemetry.
   */
  readonly callerFault: boolean = false;
}

export class UnknownCategoryError extends XServerError {
  readonly code = 'UNKNOWN_CATEGORY';
  override readonly callerFault = true;
  constructor(readonly category: string) {
    super(
      `Unknown category "${category}". Call list_categories to see the categories this server has.`,
    );
    this.name = 'UnknownCategoryError';
  }
}

export class UnknownToolError extends XServerError {
  readonly code = 'UNKNOWN_TOOL';
  override readonly callerFault = true;
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
  override readonly callerFault = true;
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

/** How a path left the fs root: by `..`, as an absolute path, or through a symbolic link. */
export type PathEscape = 'dot-dot' | 'absolute' | 'symlink';

const escapeHints: Record<PathEscape, string> = {
  'dot-dot':
    'its ".." segments lead out of the root. Use a path relative to the root that stays inside it',
  absolute:
    'an absolute path must lie under the root. Use a path relative to the root (list_dir with path "." shows the top level)',
  symlink:
    'it is (or goes through) a symbolic link that points outside the root, and only files whose real path is under the root can be read. Use a path that does not go through that link',
};

export class PathOutsideRootError extends XServerError {
  readonly code = 'PATH_OUTSIDE_ROOT';
  override readonly callerFault = true;
  constructor(
    readonly path: string,
    readonly root: string,
    /** How the path escaped. @default "absolute" for an absolute path, else "dot-dot" */
    readonly via: PathEscape = isAbsolute(path) ? 'absolute' : 'dot-dot',
  ) {
    super(`Path "${path}" is outside the fs root "${root}": ${escapeHints[via]}.`);
    this.name = 'PathOutsideRootError';
  }
}

/** No file or directory at the path (under the fs root). */
export class NotFoundError extends XServerError {
  readonly code = 'NOT_FOUND';
  override readonly callerFault = true;
  constructor(readonly path: string) {
    super(
      `No such file or directory: "${path}" (under the fs root). Call list_dir to see what is there.`,
    );
    this.name = 'NotFoundError';
  }
}

/** A file was asked for, and the path is a directory. */
export class IsADirectoryError extends XServerError {
  readonly code = 'IS_A_DIRECTORY';
  override readonly callerFault = true;
  constructor(readonly path: string) {
    super(
      `"${path}" is a directory, not a file. Call list_dir with path "${path}" to see its entries.`,
    );
    this.name = 'IsADirectoryError';
  }
}

/** A directory was asked for (or a path went through a file), and it is not one. */
export class NotADirectoryError extends XServerError {
  readonly code = 'NOT_A_DIRECTORY';
  override readonly callerFault = true;
  constructor(readonly path: string) {
    super(
      `"${path}" is not a directory (it is a file, or goes through one). Call read_file or stat for a file.`,
    );
    this.name = 'NotADirectoryError';
  }
}

/**
 * A tool's own "bad input" error: the params passed validation but the tool cannot act on them
 * (JSON that does not parse, an unknown time zone, a city the service does not know). Throw it
 * from a tool's `run` — with your own `code` if you like — and the call fails without counting
 * against the category's circuit breaker.
 *
 * @example
 * throw new ToolInputError(`Unknown city "${city}". Use a city name in English.`, { code: 'UNKNOWN_CITY' });
 */
export class ToolInputError extends XServerError {
  readonly code: string;
  override readonly callerFault = true;
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolInputError';
    this.code = options.code ?? 'INVALID_INPUT';
  }

  /** `error` marked as the caller's fault, keeping its code (when it has one) and message. */
  static from(error: unknown): ToolInputError {
    const own = (error as { code?: unknown } | null)?.code;
    return new ToolInputError(errorMessage(error), {
      cause: error,
      ...(typeof own === 'string' ? { code: own } : {}),
    });
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
  override readonly callerFault = true;
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
  override readonly callerFault = true;
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
  override readonly callerFault = true;
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

/**
 * Whether an error says the request was wrong rather than the backend failing: its
 * `callerFault` is `true` (every `XServerError` that blames the caller, `ToolInputError`, or any
 * error a tool marked so). Read as a property, not by class, so it holds across package copies.
 */
export function isCallerFault(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { callerFault?: unknown }).callerFault === true
  );
}

/**
 * Whether an error means the call was stopped — the caller cancelled, shutdown stopped it, or an
 * `AbortError` (Node's carry `code: 'ABORT_ERR'`) — by code and name, not by class.
 */
export function isCancellation(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === 'CANCELLED' ||
    code === 'SERVER_CLOSED' ||
    code === 'ABORT_ERR' ||
    (error as { name?: unknown } | null)?.name === 'AbortError'
  );
}

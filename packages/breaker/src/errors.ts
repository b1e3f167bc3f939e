import type { CircuitStateName } from './state.js';

/** The `code` of every error `@x/breaker` throws on purpose. */
export type BreakerErrorCode = 'ERR_BREAKER_OPEN' | 'ERR_BREAKER_TIMEOUT';

const PREFIX = 'ERR_BREAKER_';

/**
 * The base of every error `@x/breaker` throws on purpose. Match on `code` (or with
 * {@link isBreakerError}) rather than `instanceof`, which fails when two copies of the package
 * are installed.
 */
export class BreakerError extends Error {
  readonly code: BreakerErrorCode;
  /** The `name` option of the breaker the error comes from. */
  readonly breakerName: string;

  constructor(code: BreakerErrorCode, breakerName: string, message: string) {
    super(message);
    this.name = 'BreakerError';
    this.code = code;
    this.breakerName = breakerName;
  }
}

/**
 * Thrown (as a rejection) by {@link CircuitBreaker.execute} when the circuit does not admit the
 * call: it is open, forced open, or half-open with every probe slot taken. The call was never
 * started, so it is always safe to retry it later.
 */
export class BrokenCircuitError extends BreakerError {
  static readonly code = 'ERR_BREAKER_OPEN' as const;
  declare readonly code: typeof BrokenCircuitError.code;
  /** The state that rejected the call. */
  readonly state: Extract<CircuitStateName, 'open' | 'half-open' | 'forced-open'>;
  /**
   * When the breaker will admit a probe again (clock milliseconds), or `undefined` when that is
   * not known: forced open (only `reset()` closes it) or half-open (it waits for the probes).
   */
  readonly retryAt: number | undefined;

  constructor(
    breakerName: string,
    state: Extract<CircuitStateName, 'open' | 'half-open' | 'forced-open'>,
    retryAt: number | undefined,
  ) {
    super(BrokenCircuitError.code, breakerName, brokenMessage(breakerName, state, retryAt));
    this.name = 'BrokenCircuitError';
    this.state = state;
    this.retryAt = retryAt;
  }
}

// While a circuit is open every rejection has the same message; formatting the date each time
// would cost as much as the rest of the rejection, so the last message is kept.
let last = { name: '', state: '', retryAt: undefined as number | undefined, message: '' };

function brokenMessage(name: string, state: string, retryAt: number | undefined): string {
  if (last.name !== name || last.state !== state || last.retryAt !== retryAt) {
    last = { name, state, retryAt, message: formatMessage(name, state, retryAt) };
  }
  return last.message;
}

function formatMessage(name: string, state: string, retryAt: number | undefined): string {
  if (state === 'forced-open') {
    return `Circuit "${name}" is forced open: calls are rejected until breaker.reset() is called.`;
  }
  if (state === 'half-open') {
    return `Circuit "${name}" is half-open and its probe calls are all in flight: retry after they settle.`;
  }
  return `Circuit "${name}" is open after repeated failures: calls are rejected until ${new Date(
    retryAt ?? 0,
  ).toISOString()}; retry after that or check the backend.`;
}

/**
 * Rejection of a call that did not settle within its `timeout`. The signal passed to the call is
 * aborted with this error as its reason, and the call counts as a failure of the breaker.
 */
export class BreakerTimeoutError extends BreakerError {
  static readonly code = 'ERR_BREAKER_TIMEOUT' as const;
  declare readonly code: typeof BreakerTimeoutError.code;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(breakerName: string, timeoutMs: number) {
    super(
      BreakerTimeoutError.code,
      breakerName,
      `Call through circuit "${breakerName}" timed out after ${timeoutMs} ms: raise the timeout option or make the call faster.`,
    );
    this.name = 'BreakerTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Whether `error` is one of this package's errors (with that `code`, when given). It checks the
 * `code`, not the prototype, so it also recognises errors from another installed copy of
 * `@x/breaker`.
 *
 * @example
 * if (isBreakerError(error, 'ERR_BREAKER_OPEN')) console.log(error.retryAt);
 */
export function isBreakerError(
  error: unknown,
  code: 'ERR_BREAKER_OPEN',
): error is BrokenCircuitError;
export function isBreakerError(
  error: unknown,
  code: 'ERR_BREAKER_TIMEOUT',
): error is BreakerTimeoutError;
export function isBreakerError(error: unknown, code?: BreakerErrorCode): error is BreakerError;
export function isBreakerError(error: unknown, code?: BreakerErrorCode): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const actual = (error as { code?: unknown }).code;
  return (
    typeof actual === 'string' &&
    actual.startsWith(PREFIX) &&
    (code === undefined || actual === code)
  );
}

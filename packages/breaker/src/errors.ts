import type { CircuitStateName } from './state.js';

/**
 * Thrown (as a rejection) by {@link CircuitBreaker.execute} when the circuit does not admit the
 * call: it is open, forced open, or half-open with every probe slot taken. The call was never
 * started, so it is always safe to retry it later.
 */
export class BrokenCircuitError extends Error {
  readonly code = 'ERR_BROKEN_CIRCUIT' as const;
  /** The `name` option of the breaker that rejected the call. */
  readonly breakerName: string;
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
    super(brokenMessage(breakerName, state, retryAt));
    this.name = 'BrokenCircuitError';
    this.breakerName = breakerName;
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
export class TimeoutError extends Error {
  readonly code = 'ERR_TIMEOUT' as const;
  /** The `name` option of the breaker whose call timed out. */
  readonly breakerName: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(breakerName: string, timeoutMs: number) {
    super(
      `Call through circuit "${breakerName}" timed out after ${timeoutMs} ms: raise the timeout option or make the call faster.`,
    );
    this.name = 'TimeoutError';
    this.breakerName = breakerName;
    this.timeoutMs = timeoutMs;
  }
}

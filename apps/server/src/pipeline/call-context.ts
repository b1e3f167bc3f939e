import type { ClientChannel, ToolContext, ToolProgress, TraceContext } from '../catalog/index.js';

/**
 * One running call as the dispatcher tracks it, and the {@link ToolContext} its tool receives.
 *
 * The tool's `signal` is created on first read: an AbortController is the dearest object of a
 * call on Node 20 (about a third of an uncached in-process dispatch), and most tools never look
 * at their signal. Once read, it aborts when `source` (the caller's signal, or the breaker's
 * timeout signal) aborts, or when the dispatcher aborts the call at shutdown.
 */
export class CallContext implements ToolContext {
  readonly onProgress: ((progress: ToolProgress) => void) | undefined;
  readonly trace: TraceContext | undefined;
  readonly #client: ClientChannel | undefined;
  /** The client as the tool sees it: noting when the tool asks it something. */
  #noting: ClientChannel | undefined;
  /** True once the tool sent a request to the client: its answer is that client's alone. */
  askedClient = false;
  #source: AbortSignal | undefined;
  #controller: AbortController | undefined;
  #onSourceAbort: (() => void) | undefined;
  #abortedWith: { reason: unknown } | undefined;
  #reject: ((reason: unknown) => void) | undefined;

  constructor(
    onProgress: ((progress: ToolProgress) => void) | undefined,
    trace?: TraceContext | undefined,
    client?: ClientChannel | undefined,
  ) {
    this.onProgress = onProgress;
    this.trace = trace;
    this.#client = client;
  }

  /**
   * The client of the call, noting when the tool asks it something (a peer's sampling,
   * elicitation or roots request): the dispatcher does not cache an answer made with its input.
   */
  get client(): ClientChannel | undefined {
    const client = this.#client;
    if (!client) return undefined;
    // Made once, on first read (a peer's call reads it every time; no spread: see ClientCall).
    this.#noting ??= {
      owner: client.owner,
      capabilities: () => client.capabilities(),
      logLevel: () => client.logLevel(),
      log: (level, data, logger) => client.log(level, data, logger),
      request: (request, signal) => {
        this.askedClient = true;
        return client.request(request, signal);
      },
    };
    return this.#noting;
  }

  /** True once the call was aborted at shutdown. */
  get aborted(): boolean {
    return this.#abortedWith !== undefined;
  }

  /** Sets the signal the tool's signal follows; called once, just before the tool runs. */
  follow(source: AbortSignal | undefined): this {
    this.#source = source;
    return this;
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    const source = this.#source;
    if (this.#abortedWith) controller.abort(this.#abortedWith.reason);
    else if (source?.aborted) controller.abort(source.reason);
    else if (source) {
      this.#onSourceAbort = () => controller.abort(source.reason);
      source.addEventListener('abort', this.#onSourceAbort, { once: true });
    }
    return controller.signal;
  }

  /**
   * Runs `work`, settling with it, or at once with the reason when {@link abort} is called first
   * (a tool that ignores its signal must not hold up shutdown).
   */
  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject;
      work().then(resolve, reject);
    });
  }

  /** Aborts the call (shutdown): its signal, if the tool took it, and its pending answer. */
  abort(reason: unknown): void {
    if (this.#abortedWith) return;
    this.#abortedWith = { reason };
    this.#controller?.abort(reason);
    this.#reject?.(reason);
  }

  /** Drops the listener on the source signal; the call is over. */
  release(): void {
    if (this.#onSourceAbort) this.#source?.removeEventListener('abort', this.#onSourceAbort);
    this.#onSourceAbort = undefined;
  }
}

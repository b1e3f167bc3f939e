/** What a peer's `notifications/progress` carries, less its token. */
export type PeerProgressParams = Record<string, unknown>;

/**
 * The progress listeners of the calls in flight on one peer connection, under x-server's own
 * progress tokens. The SDK's client handles a response at once but runs notification handlers a
 * microtask later, and drops its own progress listener with the response: a peer's last progress,
 * read in the same chunk as its result, would find no listener. A listener here is dropped one
 * macrotask after its call settles, once every notification read before the result was handled.
 */
export class PeerProgress {
  readonly #listeners = new Map<number, (params: PeerProgressParams) => void>();
  #next = 0;

  /** Registers a call's listener: its token for the request, and the release for when it settles. */
  add(listener: (params: PeerProgressParams) => void): { token: number; release: () => void } {
    const token = this.#next++;
    this.#listeners.set(token, listener);
    return {
      token,
      release: () => {
        setImmediate(() => this.#listeners.delete(token));
      },
    };
  }

  /** Hands a peer's progress to the call it names; progress under an unknown token is dropped. */
  deliver(params: { progressToken?: unknown } & PeerProgressParams): void {
    const { progressToken, ...rest } = params;
    if (typeof progressToken !== 'number') return;
    this.#listeners.get(progressToken)?.(rest);
  }

  /** Listeners registered (calls in flight and those settled less than a macrotask ago). */
  get size(): number {
    return this.#listeners.size;
  }
}

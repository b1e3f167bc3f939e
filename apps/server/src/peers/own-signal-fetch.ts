/**
 * Node 20's fetch (undici) adds an `abort` listener to a request's signal and lets it go only when
 * the request is garbage-collected. The SDK's Streamable HTTP client passes one long-lived signal
 * to every request, so a busy HTTP peer piles up listeners between collections and Node prints
 * "MaxListenersExceededWarning: 1501 abort listeners added to [AbortSignal]" (seen after ~1,500
 * calls on one connection). This fetch gives each request a signal of its own, linked to the
 * caller's only while the request and its body are in flight, so the long-lived signal holds at
 * most one listener per request in flight.
 *
 * Still needed with SDK 2: its transport combines the long-lived signal with a per-request one
 * only on 2026-07-28 connections; on a 2025-era connection every POST gets the long-lived one.
 */
export const ownSignalFetch: typeof fetch = async (input, init) => {
  const outer = init?.signal;
  if (!outer) return fetch(input, init);
  if (outer.aborted) throw outer.reason;
  const own = new AbortController();
  const onAbort = () => own.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  let linked = true;
  const unlink = () => {
    if (!linked) return;
    linked = false;
    outer.removeEventListener('abort', onAbort);
  };
  try {
    const response = await fetch(input, { ...init, signal: own.signal });
    if (response.body) return untilBodyEnds(response, unlink);
    unlink();
    return response;
  } catch (error) {
    unlink();
    throw error;
  }
};

/** The same response, with `done` called once its body has been read, failed or cancelled. */
function untilBodyEnds(response: Response, done: () => void): Response {
  const reader = response.body!.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          done();
          controller.close();
        } else {
          controller.enqueue(chunk.value);
        }
      } catch (error) {
        done();
        controller.error(error);
      }
    },
    async cancel(reason) {
      done();
      await reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

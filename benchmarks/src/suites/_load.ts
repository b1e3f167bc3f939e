/**
 * The load run of the server suite: many concurrent Streamable HTTP sessions calling in a loop,
 * with calls/s, p99 latency and the heap growth of this process (where the servers under load run
 * in-process) after GC. Not a suite: the file name starts with `_`.
 */
import { type Agent, request } from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';

// A garbage collector we can call, for the memory figure of the load run. Collects twice around
// a turn of the event loop, so finalizers (undici frees request listeners in them) have run.
function collector(): () => Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  return async () => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  };
}

export interface LoadFigures {
  callsPerSec: number;
  p99Ms: number;
  heapBytesPer1000Calls: number;
}

/**
 * A minimal Streamable HTTP client: one session, plain fetch, no abort signal. The load run uses it
 * instead of the SDK's Client, whose per-request abort listeners on one long-lived signal would
 * put the client's own memory growth into the figure.
 */
export class RawSession {
  #id = '';
  #next = 1;
  /**
   * With `agent` (a keep-alive `http.Agent` with `maxSockets`), requests go through node:http on
   * that agent's bounded pool of connections instead of fetch, which opens a connection per
   * request in flight: hundreds of requests at once would overflow the server's listen backlog.
   */
  constructor(
    readonly url: string,
    readonly agent?: Agent,
  ) {}

  async #post(body: object): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    };
    if (this.#id) headers['mcp-session-id'] = this.#id;
    const payload = JSON.stringify(body);
    if (this.agent === undefined) {
      return fetch(this.url, { method: 'POST', headers, body: payload });
    }
    const agent = this.agent;
    return new Promise<Response>((resolve, reject) => {
      const req = request(this.url, { method: 'POST', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') answer.set(name, value);
          }
          const status = res.statusCode ?? 500;
          const text = status === 202 || status === 204 ? null : Buffer.concat(chunks);
          resolve(new Response(text, { status, headers: answer }));
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  async open(): Promise<this> {
    const response = await this.#post({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'load', version: '1' },
      },
    });
    this.#id = response.headers.get('mcp-session-id') ?? '';
    await response.text();
    await (await this.#post({ jsonrpc: '2.0', method: 'notifications/initialized' })).text();
    return this;
  }

  /**
   * POSTs that failed with ECONNRESET and were sent again, across all sessions: a keep-alive
   * connection the server closed for idleness just as the client reused it (the server never
   * read the request). Suites report the count.
   */
  static resets = 0;

  /** Calls a tool; resolves with the response body (JSON, or the SSE stream's text). */
  async call(name: string, args: object): Promise<string> {
    const body = {
      jsonrpc: '2.0',
      id: this.#next++,
      method: 'tools/call',
      params: { name, arguments: args },
    };
    let response: Response;
    try {
      response = await this.#post(body);
    } catch (error) {
      // fetch wraps the socket's error as `cause`; node:http rejects with it.
      const failure = error as { code?: string; cause?: { code?: string } };
      if ((failure.cause?.code ?? failure.code) !== 'ECONNRESET') throw error;
      RawSession.resets++;
      response = await this.#post(body);
    }
    const text = await response.text();
    if (!response.ok || !text.includes('"result"')) throw new Error(`call failed: ${text}`);
    return text;
  }

  async close(): Promise<void> {
    if (!this.#id) return; // a stateless server gave no session to end
    const headers = { 'mcp-session-id': this.#id, 'mcp-protocol-version': '2025-06-18' };
    await (await fetch(this.url, { method: 'DELETE', headers })).text();
  }
}

/** `sessions` clients, each calling in a loop for `durationMs`; heap measured after GC. */
export async function loadRun(
  url: string,
  call: (client: RawSession) => Promise<unknown>,
  sessions: number,
  durationMs: number,
) {
  const gc = collector();
  const clients = await Promise.all(
    Array.from({ length: sessions }, () => new RawSession(url).open()),
  );
  // Warm every session once so the first calls do not count connection set-up.
  await Promise.all(clients.map(call));
  await gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const latencies: number[] = [];
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await call(client);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  await gc();
  const heapAfter = process.memoryUsage().heapUsed;
  await Promise.all(clients.map((client) => client.close()));
  latencies.sort((a, b) => a - b);
  return {
    callsPerSec: (latencies.length / elapsedMs) * 1000,
    p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
    heapBytesPer1000Calls: ((heapAfter - heapBefore) / latencies.length) * 1000,
  } satisfies LoadFigures;
}

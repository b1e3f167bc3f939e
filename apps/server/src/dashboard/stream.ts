import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SnapshotStreamOptions {
  /** The frame to send: built once per tick, whatever the number of pages open. */
  snapshot: () => unknown;
  /** Time between frames. @default 1000 */
  intervalMs?: number;
  /** Pages open at once; more are refused (503). @default 32 */
  maxClients?: number;
  /**
   * A page whose connection holds more unsent bytes than this skips frames until it catches up:
   * a slow reader never makes the server buffer without bound. @default 1 MiB
   */
  maxBufferedBytes?: number;
}

/**
 * Server-sent events for the dashboard: one snapshot per `intervalMs` to every open page. The
 * timer runs only while a page is connected (and is unref'd: it never keeps the process up);
 * nothing accumulates per frame, so a page left open for hours costs no growing memory.
 */
export class SnapshotStream {
  readonly #options: Required<SnapshotStreamOptions>;
  readonly #clients = new Set<ServerResponse>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #frames = 0;
  #skipped = 0;
  #closed = false;

  constructor(options: SnapshotStreamOptions) {
    this.#options = { intervalMs: 1000, maxClients: 32, maxBufferedBytes: 1 << 20, ...options };
  }

  connect(req: IncomingMessage, res: ServerResponse): void {
    if (this.#closed || this.#clients.size >= this.#options.maxClients) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end(this.#closed ? 'Server is shutting down.\n' : 'Too many dashboard pages open.\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    res.write(`retry: ${Math.max(1000, this.#options.intervalMs * 2)}\n\n`);
    this.#clients.add(res);
    const drop = () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stop();
    };
    req.on('close', drop);
    res.on('close', drop);
    // The page sees the state at once, not a second later.
    this.#send(res, this.#frame());
    this.#timer ??= setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }

  #frame(): string {
    return `data: ${JSON.stringify(this.#options.snapshot())}\n\n`;
  }

  #send(res: ServerResponse, frame: string): void {
    if (res.writableLength > this.#options.maxBufferedBytes) {
      this.#skipped++;
      return;
    }
    res.write(frame);
  }

  #tick(): void {
    if (this.#clients.size === 0) {
      this.#stop();
      return;
    }
    this.#frames++;
    const frame = this.#frame();
    for (const res of this.#clients) this.#send(res, frame);
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Pages connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Whether the frame timer is running (only while a page is connected). */
  get ticking(): boolean {
    return this.#timer !== undefined;
  }

  stats(): { clients: number; frames: number; skipped: number } {
    return { clients: this.#clients.size, frames: this.#frames, skipped: this.#skipped };
  }

  /** Ends every stream and stops the timer; idempotent. */
  close(): void {
    this.#closed = true;
    this.#stop();
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}

import { createClient } from '@keyv/redis';

/** The few Redis commands the shared features use, as `@redis/client` 5 spells them. */
interface CommandClient {
  readonly isReady: boolean;
  set(
    key: string,
    value: string,
    options: { condition?: 'NX' | 'XX'; expiration: { type: 'PX'; value: number } },
  ): Promise<string | null>;
  get(key: string): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  on(event: 'error' | 'ready', listener: (error?: unknown) => void): unknown;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

export interface RedisLinkOptions {
  /** `redis://` or `rediss://` (`cache.redisUrl`). */
  url: string;
  /** Prefix of every key and channel (`cache.namespace`). */
  namespace: string;
  /** A command slower than this fails (`cluster.commandTimeoutMs`). */
  commandTimeoutMs: number;
}

export interface RedisLinkFigures {
  /** Both connections (commands and pub/sub) are up. */
  connected: boolean;
  /** Redis commands that failed or timed out, and connection errors. */
  errors: number;
}

// After a command that got no answer in time, Redis is left alone this long: a stalled Redis
// (its connection still open) costs one call a timeout, not every call.
const STALL_PAUSE_MS = 1_000;

// Reconnects back off to at most a second: Redis coming back is noticed within about a second.
const reconnect = (retries: number) => Math.min(50 * 2 ** retries, 1_000);

/** Wraps a client error that is not an `Error` (the client rejects with errors, but be safe). */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The one Redis connection pair of an instance's shared features: commands (each bounded by
 * `commandTimeoutMs`; the offline queue is off, so a command while Redis is away fails at once
 * instead of waiting for a reconnect) and a subscriber for the channels. Connecting never blocks
 * start-up and never fails it: until Redis answers (and whenever it goes away), `ready` is false
 * and the features run per instance; the client reconnects on its own.
 */
export class RedisLink {
  readonly namespace: string;
  readonly #commandTimeoutMs: number;
  readonly #commands: CommandClient;
  readonly #subscriber: CommandClient;
  readonly #channels = new Map<string, Set<(message: string) => void>>();
  // Channels with listeners but no subscription yet (Redis not up yet, or the subscribe failed).
  readonly #unsubscribed = new Set<string>();
  #errors = 0;
  #closed = false;
  /** Until when (epoch ms) Redis is left alone after a stalled command. */
  #pausedUntil = 0;

  constructor(options: RedisLinkOptions) {
    this.namespace = options.namespace;
    this.#commandTimeoutMs = options.commandTimeoutMs;
    const settings = {
      url: options.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: Math.max(options.commandTimeoutMs, 1_000),
        reconnectStrategy: reconnect,
      },
    };
    this.#commands = createClient(settings) as unknown as CommandClient;
    this.#subscriber = createClient(settings) as unknown as CommandClient;
    for (const client of [this.#commands, this.#subscriber]) {
      // Without a listener an 'error' event would crash the process; each one is counted.
      client.on('error', () => {
        this.#errors++;
      });
      client.connect().catch(() => {
        // Counted by the 'error' listener; the client keeps reconnecting until destroyed.
      });
    }
    this.#subscriber.on('ready', () => this.#subscribePending());
  }

  /** A key of this namespace: `<namespace>:x:<name>`. */
  key(name: string): string {
    return `${this.namespace}:x:${name}`;
  }

  /** Whether commands can be sent now (false while Redis is away, or just stalled). */
  get ready(): boolean {
    return !this.#closed && this.#commands.isReady && Date.now() >= this.#pausedUntil;
  }

  /** Whether published messages reach this instance now. */
  get listening(): boolean {
    return !this.#closed && this.#subscriber.isReady;
  }

  /** Counts a failure the caller handled by going on without Redis. */
  countError(): void {
    this.#errors++;
  }

  /** Runs one command; a failure, or no answer within `commandTimeoutMs`, is counted and thrown. */
  async command<T>(send: (client: CommandClient) => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Guards a call that awaits the command: ref'd, and cleared the moment the command settles.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#pausedUntil = Date.now() + STALL_PAUSE_MS;
        reject(new Error(`Redis did not answer within ${this.#commandTimeoutMs} ms`));
      }, this.#commandTimeoutMs);
    });
    try {
      return await Promise.race([send(this.#commands), late]);
    } catch (error) {
      this.#errors++;
      throw asError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  set(key: string, value: string, ttlMs: number, condition?: 'NX' | 'XX'): Promise<boolean> {
    const expiration = { type: 'PX' as const, value: Math.max(1, Math.ceil(ttlMs)) };
    return this.command(async (client) => {
      const reply = await client.set(
        key,
        value,
        condition ? { condition, expiration } : { expiration },
      );
      return reply === 'OK';
    });
  }

  get(key: string): Promise<string | null> {
    return this.command((client) => client.get(key));
  }

  eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.command((client) => client.eval(script, { keys, arguments: args }));
  }

  /** Publishes on a channel of this namespace; a failure is counted and rethrown. */
  publish(channel: string, message: string): Promise<number> {
    return this.command((client) => client.publish(this.key(channel), message));
  }

  /**
   * Hears the messages of a channel of this namespace; returns the function that stops
   * listening. The channel is subscribed once the subscriber is first up (the client subscribes
   * again by itself after a reconnect); a subscription that failed is tried again on 'ready'.
   */
  listen(channel: string, listener: (message: string) => void): () => void {
    let listeners = this.#channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
      this.#unsubscribed.add(channel);
      if (this.#subscriber.isReady) this.#subscribePending();
    }
    const own = listeners;
    own.add(listener);
    return () => {
      own.delete(listener);
    };
  }

  #subscribePending(): void {
    for (const channel of this.#unsubscribed) {
      const listeners = this.#channels.get(channel);
      if (!listeners) continue;
      this.#unsubscribed.delete(channel);
      this.#subscriber
        .subscribe(this.key(channel), (message) => {
          for (const listener of listeners) listener(message);
        })
        .catch(() => {
          this.#errors++;
          this.#unsubscribed.add(channel);
        });
    }
  }

  stats(): RedisLinkFigures {
    return { connected: this.ready && this.listening, errors: this.#errors };
  }

  /**
   * Closes both connections: commands already sent (a run's outcome on its way) get up to
   * `commandTimeoutMs` to finish, then the connections are dropped. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const clients = [this.#commands, this.#subscriber];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#commandTimeoutMs);
    });
    const closed = Promise.allSettled(
      clients.map((client) => (client.isReady ? client.close() : undefined)),
    );
    await Promise.race([closed, late]);
    clearTimeout(timer);
    for (const client of clients) {
      try {
        client.destroy();
      } catch {
        // Already closed.
      }
    }
  }
}

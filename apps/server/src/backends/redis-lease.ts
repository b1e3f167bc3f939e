import { randomUUID } from 'node:crypto';
import { BreakerTimeoutError } from '@x/breaker';
import { CallCancelledError } from '../errors.js';
import type { RedisLink } from './redis-link.js';

/** Renews a lease if this run still holds it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Replaces the lease by the run's outcome if this run still holds it. */
const FINISH = `if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`;
/** Drops the lease if this run still holds it (the run failed: someone else may run). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1]) else return 0 end`;

// Every finished or released run is announced on this channel (the message is its key).
const CHANNEL = 'runs';

export interface LeasedRunOptions {
  /** The caller gives up waiting (`CallCancelledError`) when it aborts. */
  signal?: AbortSignal | undefined;
  /**
   * Waiting for another instance's run (and the run that may follow it) ends with
   * `ERR_BREAKER_TIMEOUT` after this long: the caller's own call timeout. @default no bound
   */
  timeout?: { ms: number; name: string } | undefined;
  /** How long the value of a finished run stays readable by other instances, from its end. */
  keepMs: () => number;
}

/**
 * How the value was obtained: this instance ran it holding the lease (`ran`), another instance
 * ran it (`shared`), or Redis was unavailable and this instance ran it alone (`local`).
 */
export type LeasedOutcome<T> = { value: T; from: 'ran' | 'shared' | 'local' };

export interface LeasedRunFigures {
  /** Runs this instance made holding the lease. */
  ran: number;
  /** Values another instance's run gave this one. */
  shared: number;
  /** Runs made without Redis (down, slow, or an unreadable record): per-instance behaviour. */
  fallbacks: number;
  /** Leases taken over from a run that ended without an outcome (it failed, or its instance died). */
  takeovers: number;
  /** Callers waiting now for another instance's run. */
  waiting: number;
}

/**
 * Runs a function once across every instance on one Redis, by key. The instance that sets the
 * key's lease (`SET NX PX leaseMs`) runs it, renewing the lease while it runs, and then replaces
 * the lease by the outcome for `keepMs`; the others wait (woken by a message on the namespace's
 * `runs` channel, polling as a safety net) and read the outcome. A run that fails drops its lease
 * (errors are not shared: a waiter then takes the lease and runs); an instance that dies stops
 * renewing, and its lease expires after at most `leaseMs`. Waiting is bounded by the caller's
 * signal and timeout. Any Redis failure turns the call into a local run, counted.
 */
export class LeasedRuns {
  readonly #link: RedisLink;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #waiting = new Map<string, Set<() => void>>();
  readonly #figures: LeasedRunFigures = {
    ran: 0,
    shared: 0,
    fallbacks: 0,
    takeovers: 0,
    waiting: 0,
  };

  constructor(link: RedisLink, leaseMs: number) {
    this.#link = link;
    this.#leaseMs = leaseMs;
    // Pub/sub wakes waiters at once; polling only covers a lost message or an expired lease.
    this.#pollMs = Math.max(25, Math.min(250, Math.floor(leaseMs / 4)));
    link.listen(CHANNEL, (key) => {
      const wakes = this.#waiting.get(key);
      if (wakes) for (const wake of wakes) wake();
    });
  }

  async run<T>(
    name: string,
    fn: () => Promise<T>,
    options: LeasedRunOptions,
  ): Promise<LeasedOutcome<T>> {
    const key = this.#link.key(name);
    const timeout = options.timeout;
    const deadline = timeout ? Date.now() + timeout.ms : Number.POSITIVE_INFINITY;
    let waited = false;
    for (;;) {
      if (options.signal?.aborted) throw new CallCancelledError(options.signal.reason);
      if (!this.#link.ready) return this.#alone(fn);
      // Armed before asking Redis, so an announcement between the two is not missed.
      const wake = this.#arm(key);
      try {
        const token = `R${randomUUID()}`;
        let claimed: boolean;
        let record: string | null = null;
        // Only Redis is tried here: an error of `fn` itself must never make it run again.
        try {
          claimed = await this.#link.set(key, token, this.#leaseMs, 'NX');
          if (!claimed) record = await this.#link.get(key);
        } catch {
          wake.disarm();
          return this.#alone(fn);
        }
        if (claimed) {
          wake.disarm();
          const held = this.#hold(key, token, fn, options);
          if (!waited) return { value: await held, from: 'ran' };
          // Taken over after waiting: the answer still comes within the caller's timeout.
          this.#figures.takeovers++;
          return { value: await this.#within(held, deadline, timeout), from: 'ran' };
        }
        if (record?.startsWith('D')) {
          const parsed = this.#parse<T>(record);
          if (parsed) {
            this.#figures.shared++;
            return { value: parsed.v, from: 'shared' };
          }
          wake.disarm();
          return this.#alone(fn);
        }
        // Null: the lease just ended (released or expired); try again at once.
        if (record === null) continue;
        waited = true;
        this.#figures.waiting++;
        try {
          await this.#wait(wake.woken, options.signal, deadline, timeout);
        } finally {
          this.#figures.waiting--;
        }
      } finally {
        wake.disarm();
      }
    }
  }

  async #alone<T>(fn: () => Promise<T>): Promise<LeasedOutcome<T>> {
    this.#figures.fallbacks++;
    return { value: await fn(), from: 'local' };
  }

  #parse<T>(record: string): { v: T } | undefined {
    try {
      return JSON.parse(record.slice(1)) as { v: T };
    } catch {
      this.#link.countError();
      return undefined;
    }
  }

  /** Runs `fn` holding the lease; its outcome (or the release) is written behind the answer. */
  async #hold<T>(
    key: string,
    token: string,
    fn: () => Promise<T>,
    options: LeasedRunOptions,
  ): Promise<T> {
    this.#figures.ran++;
    const leaseMs = String(this.#leaseMs);
    const renew = setInterval(
      () => {
        this.#link.eval(RENEW, [key], [token, leaseMs]).catch(() => {});
      },
      Math.max(10, Math.floor(this.#leaseMs / 3)),
    );
    renew.unref?.();
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      clearInterval(renew);
      this.#announce(RELEASE, key, [token]);
      throw error;
    }
    clearInterval(renew);
    let record: string;
    try {
      record = `D${JSON.stringify({ v: value })}`;
    } catch {
      // A value Redis cannot carry: the others run it themselves.
      this.#link.countError();
      this.#announce(RELEASE, key, [token]);
      return value;
    }
    this.#announce(FINISH, key, [token, record, String(Math.max(1, Math.ceil(options.keepMs())))]);
    return value;
  }

  /** Runs a lease script and, if it changed the key, wakes the waiters; never awaited. */
  #announce(script: string, key: string, args: string[]): void {
    this.#link
      .eval(script, [key], args)
      .then((changed) => (changed ? this.#link.publish(CHANNEL, key) : undefined))
      .catch(() => {});
  }

  /** `work`'s outcome, or `ERR_BREAKER_TIMEOUT` once the deadline passes (`work` goes on). */
  #within<T>(work: Promise<T>, deadline: number, timeout: LeasedRunOptions['timeout']): Promise<T> {
    if (!timeout) return work;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new BreakerTimeoutError(timeout.name, timeout.ms)),
        Math.max(0, deadline - Date.now()),
      );
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #arm(key: string): { woken: Promise<void>; disarm: () => void } {
    let wakes = this.#waiting.get(key);
    if (!wakes) {
      wakes = new Set();
      this.#waiting.set(key, wakes);
    }
    const set = wakes;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    set.add(wake);
    const disarm = () => {
      set.delete(wake);
      if (set.size === 0 && this.#waiting.get(key) === set) this.#waiting.delete(key);
    };
    return { woken, disarm };
  }

  /** Waits for a wake-up or the next poll; rejects on the caller's abort or past its deadline. */
  #wait(
    woken: Promise<void>,
    signal: AbortSignal | undefined,
    deadline: number,
    timeout: LeasedRunOptions['timeout'],
  ): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0 && timeout) {
      return Promise.reject(new BreakerTimeoutError(timeout.name, timeout.ms));
    }
    return new Promise<void>((resolve, reject) => {
      // Guards work the caller awaits: ref'd, and cleared as soon as the wait ends.
      const late = left < this.#pollMs;
      const timer = setTimeout(
        () => {
          done();
          if (late && timeout) reject(new BreakerTimeoutError(timeout.name, timeout.ms));
          else resolve();
        },
        Math.min(this.#pollMs, left),
      );
      const onAbort = () => {
        done();
        reject(new CallCancelledError(signal?.reason));
      };
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      woken.then(() => {
        done();
        resolve();
      });
    });
  }

  stats(): LeasedRunFigures {
    return { ...this.#figures };
  }
}

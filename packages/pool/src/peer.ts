import { CreateBackoff } from './backoff.js';
import { AcquireTimeoutError, PoolClosedError } from './errors.js';
import type { Emitter, PeerPoolEvents } from './events.js';
import {
  acquireIdle,
  borrowedResources,
  createGenericPool,
  type GenericPool,
  isGenericPoolTimeout,
  type PooledResource,
} from './generic-pool.js';
import type { ResolvedOptions } from './options.js';
import type { Counters, PeerStats } from './stats.js';
import { hitRate, newCounters } from './stats.js';
import { now, unrefTimeout } from './timers.js';
import type { SlotClaimant, TotalLimiter } from './total-limiter.js';
import { callCreate, callDestroy, callValidate } from './user-calls.js';

/** What every peer of one PeerPool shares. */
export interface PeerContext<Conn extends object> {
  readonly options: ResolvedOptions<Conn>;
  readonly events: Emitter<PeerPoolEvents<Conn>>;
  readonly limiter: TotalLimiter;
  readonly totals: Counters;
  /** Called when an acquire of a peer fails: the peer may have nothing borrowed or waiting now. */
  readonly acquireFailed: () => void;
}

/** A create given up because nobody needs its connection any more; not a create error. */
class CreateCancelledError extends Error {
  override readonly name = 'CreateCancelledError';
}

// generic-pool has no "never" for its hard idle timeout; this is later than any process lives.
const NEVER_MS = Number.MAX_SAFE_INTEGER;

/**
 * One peer: its generic-pool, wrapped so that its traps cannot reach the caller. `create` goes
 * through a backoff gate and the total limiter, `validate` and `destroy` never reject, and
 * every call into user code is bounded by a timeout.
 */
export class Peer<Conn extends object> implements SlotClaimant {
  readonly id: string;
  readonly pool: GenericPool<Conn>;
  readonly counters: Counters = newCounters();
  /** Order of last use (acquire or release) among peers, for least-recently-used eviction. */
  lastUsedTick = 0;
  /**
   * `Date.now()` since which the peer has not been used, as seen by the idle sweeps. The hot
   * path only bumps `lastUsedTick`; a sweep that finds it moved restarts the idle clock.
   */
  idleSince = now();
  tickAtLastSweep = 0;
  closing = false;
  readonly #ctx: PeerContext<Conn>;
  readonly #backoff: CreateBackoff;
  #closed: Promise<void> | undefined;
  #wakers = new Set<() => void>();
  /** Found dead by an idle check: evicted at the next check, refused at the next borrow. */
  #dead = new WeakSet<Conn>();
  #checking = new WeakSet<Conn>();
  /** Created and not lent yet. */
  #fresh = new WeakSet<Conn>();
  #skipNextValidation = false;
  /** drain() ran out of time: borrowed connections were destroyed, late loans are refused. */
  #forced = false;

  constructor(id: string, ctx: PeerContext<Conn>) {
    this.id = id;
    this.#ctx = ctx;
    const { options } = ctx;
    this.#backoff = new CreateBackoff(options.createRetry);
    const peer = this;
    const idleChecks = options.idleTimeoutMs > 0 || options.testWhileIdle;
    this.pool = createGenericPool<Conn>(
      class PeerEvictor {
        evict(_config: unknown, resource: PooledResource<Conn>): boolean {
          return peer.#shouldEvict(resource);
        }
      },
      {
        create: () => this.#create(),
        destroy: (conn) => this.#destroy(conn),
        ...(options.validate === undefined ? {} : { validate: (conn) => this.#validate(conn) }),
      },
      {
        max: options.maxPerPeer,
        min: options.minPerPeer,
        acquireTimeoutMillis: options.acquireTimeoutMs,
        testOnBorrow: options.validate !== undefined,
        fifo: options.fifo,
        // Started below, once this.pool is assigned: min creates would otherwise run too early.
        autostart: false,
        evictionRunIntervalMillis: idleChecks ? options.idleCheckIntervalMs : 0,
        numTestsPerEvictionRun: options.maxPerPeer,
        softIdleTimeoutMillis: -1,
        idleTimeoutMillis: NEVER_MS,
      },
    );
    this.pool.start();
  }

  /** Whether a create of this peer still has someone to hand its connection to. */
  get wantsConnection(): boolean {
    const { pool } = this;
    return (
      pool.pending > 0 ||
      (!this.closing && pool.available + pool.borrowed < this.#ctx.options.minPerPeer)
    );
  }

  /** Nothing borrowed, nobody waiting: the peer's pool can be closed without hurting anyone. */
  get isIdle(): boolean {
    return this.pool.borrowed === 0 && this.pool.pending === 0;
  }

  acquire(): Promise<Conn> {
    const { pool } = this;
    if (pool.available > 0) {
      this.counters.hits += 1;
      this.#ctx.totals.hits += 1;
      // Without validation and with nobody ahead, generic-pool lends at once: nothing to time.
      if (pool.pending === 0 && this.#ctx.options.validate === undefined)
        return acquireIdle(pool, this.#ctx.options.acquireTimeoutMs);
    } else {
      this.counters.misses += 1;
      this.#ctx.totals.misses += 1;
    }
    return pool.acquire().then(
      (conn) => (this.#forced ? this.#refuse(conn) : conn),
      (error: unknown) => {
        this.#ctx.acquireFailed();
        throw this.#acquireError(error);
      },
    );
  }

  /**
   * drain() ran out of time: destroys every borrowed connection at once (returning them), and
   * from now on a waiting acquire that gets a connection is refused and the connection destroyed.
   */
  force(): Conn[] {
    this.#forced = true;
    const borrowed = borrowedResources(this.pool);
    for (const conn of borrowed) void this.pool.destroy(conn);
    return borrowed;
  }

  #refuse(conn: Conn): never {
    void this.pool.destroy(conn);
    throw new PoolClosedError(this.id);
  }

  /** Takes one idle connection out and destroys it, to make room for another peer. */
  reclaimOne(): boolean {
    const { pool } = this;
    if (pool.available === 0 || pool.pending > 0) return false;
    // generic-pool validates on borrow synchronously inside acquire(); a connection taken out
    // only to be destroyed need not be checked (and must not fail over to a new create).
    this.#skipNextValidation = true;
    const taken = pool.acquire();
    this.#skipNextValidation = false;
    taken.then(
      (conn) => pool.destroy(conn),
      () => undefined,
    );
    return true;
  }

  /** Lets borrowers finish, then destroys every connection; idempotent. */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.closing = true;
    this.#dropIdleCreates();
    this.#closed = this.pool.drain().then(() => {
      // Every waiter is settled now, so a create still sleeping or queued for a slot serves
      // nobody; clear() waits for in-flight creates, so it must not wait for these.
      this.#dropIdleCreates();
      return this.pool.clear();
    });
    return this.#closed;
  }

  /** Wakes creates sleeping in backoff and refuses queued slots; those nobody needs give up. */
  #dropIdleCreates(): void {
    this.#ctx.limiter.cancel(this);
    for (const wake of this.#wakers) wake();
  }

  /** Marked dead by an idle check: hand it to destroy instead of back to the pool. */
  isDead(conn: Conn): boolean {
    return this.#dead.has(conn);
  }

  stats(): PeerStats {
    const { pool, counters } = this;
    return {
      size: pool.size,
      available: pool.available,
      borrowed: pool.borrowed,
      pending: pool.pending,
      ...counters,
      hitRate: hitRate(counters),
    };
  }

  async #create(): Promise<Conn> {
    const { options, limiter, events, totals } = this.#ctx;
    for (
      let waitMs = this.#backoff.waitMs(now());
      waitMs > 0;
      waitMs = this.#backoff.waitMs(now())
    ) {
      await this.#sleep(waitMs);
      if (!this.wantsConnection) throw new CreateCancelledError();
    }
    const ticket = this.#backoff.begin(now());
    const reserved = limiter.reserve(this);
    if (reserved !== true && !(await reserved)) throw new CreateCancelledError();
    let conn: Conn;
    try {
      conn = await callCreate(options, this.id, (late) => {
        void callDestroy(options, events, this.id, late);
      });
    } catch (error) {
      limiter.release();
      const retryInMs = this.#backoff.failed(now(), error, ticket);
      this.counters.createErrors += 1;
      totals.createErrors += 1;
      events.emit('createError', {
        peerId: this.id,
        error,
        failures: this.#backoff.failures,
        retryInMs,
      });
      throw error;
    }
    // With validate, a create only counts as a success once its connection passes a check.
    if (options.validate === undefined) this.#backoff.succeeded();
    else this.#fresh.add(conn);
    this.counters.creates += 1;
    totals.creates += 1;
    events.emit('create', { peerId: this.id, conn });
    return conn;
  }

  #destroy(conn: Conn): Promise<void> {
    this.counters.destroyed += 1;
    this.#ctx.totals.destroyed += 1;
    this.#ctx.limiter.release();
    this.#ctx.events.emit('destroy', { peerId: this.id, conn });
    return callDestroy(this.#ctx.options, this.#ctx.events, this.id, conn);
  }

  /** The user's validate, made total: false, a throw, a rejection or a hang mean invalid. */
  #validate(conn: Conn): Promise<boolean> {
    if (this.#skipNextValidation) {
      this.#skipNextValidation = false;
      return Promise.resolve(true);
    }
    if (this.#dead.has(conn)) return Promise.resolve(this.#invalid());
    const fresh = this.#fresh.delete(conn);
    return callValidate(this.#ctx.options, this.id, conn).then((valid) => {
      if (!valid) return this.#invalid(fresh);
      if (fresh) this.#backoff.succeeded();
      return true;
    });
  }

  #invalid(fresh = false): false {
    this.counters.validationFailures += 1;
    this.#ctx.totals.validationFailures += 1;
    // generic-pool validates new connections too, and replaces an invalid one at once: a
    // validate that always fails would spin create/destroy. A new connection that fails its
    // first check is a failed create, and waits its turn at the backoff gate.
    if (fresh) this.#backoff.failed(now(), new Error('validate rejected a new connection'));
    return false;
  }

  #shouldEvict(resource: PooledResource<Conn>): boolean {
    const conn = resource.obj;
    if (this.#dead.has(conn)) return true;
    const { options } = this.#ctx;
    if (options.testWhileIdle) this.#checkWhileIdle(conn);
    return (
      options.idleTimeoutMs > 0 &&
      // minPerPeer counts borrowed connections too: it is how many stay open, not stay idle.
      this.pool.available + this.pool.borrowed > options.minPerPeer &&
      now() - resource.lastIdleTime >= options.idleTimeoutMs
    );
  }

  #checkWhileIdle(conn: Conn): void {
    if (this.#checking.has(conn)) return;
    this.#checking.add(conn);
    void callValidate(this.#ctx.options, this.id, conn).then((valid) => {
      this.#checking.delete(conn);
      // Borrowed meanwhile means it passed the check on borrow: newer news than ours.
      if (!valid && !this.pool.isBorrowedResource(conn) && !this.#dead.has(conn)) {
        this.#dead.add(conn);
        this.#invalid();
      }
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = unrefTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  #acquireError(error: unknown): unknown {
    if (isGenericPoolTimeout(error)) {
      return new AcquireTimeoutError(
        this.id,
        this.#ctx.options.acquireTimeoutMs,
        this.#backoff.lastError,
      );
    }
    if (error instanceof Error && /draining/.test(error.message))
      return new PoolClosedError(this.id);
    return error;
  }
}

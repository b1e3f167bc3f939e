import { AcquireTimeoutError, PoolClosedError } from './errors.js';
import type { Emitter, PeerPoolEvents } from './events.js';
import {
  borrowedResources,
  createGenericPool,
  type GenericPool,
  REQUEST_FULFILLED,
  REQUEST_PENDING,
  RequestCancelled,
  type ResourceRequest,
  runEviction,
} from './generic-pool.js';
import { IdleChecks } from './idle-checks.js';
import type { ResolvedOptions } from './options.js';
import { PeerCreates } from './peer-creates.js';
import type { Counters, PeerStats } from './stats.js';
import { hitRate, newCounters } from './stats.js';
import { awaitedTimer, GuardTimers, withTimeout } from './timers.js';
import type { SlotClaimant, TotalLimiter } from './total-limiter.js';
import { callDestroy, callValidate } from './user-calls.js';
import { WaitingAcquires } from './waiting-acquires.js';

/** What every peer of one PeerPool shares. */
export interface PeerContext<Conn extends object> {
  readonly options: ResolvedOptions<Conn>;
  readonly events: Emitter<PeerPoolEvents<Conn>>;
  readonly limiter: TotalLimiter;
  readonly totals: Counters;
  /** Called when an acquire of a peer fails: the peer may have nothing borrowed or waiting now. */
  readonly acquireFailed: () => void;
  /** Whether `drain()` is in progress: its caller awaits every create and destroy left. */
  readonly isDraining: () => boolean;
}

// generic-pool has no "never" for its hard idle timeout; this is later than any process lives.
const NEVER_MS = Number.MAX_SAFE_INTEGER;

/**
 * One peer: its generic-pool, wrapped so that its traps cannot reach the caller. `create` goes
 * through a backoff gate and the total limiter, `validate` and `destroy` never reject, every
 * call into user code is bounded by a timeout, and every timer is the pool clock's.
 */
export class Peer<Conn extends object> implements SlotClaimant {
  readonly id: string;
  readonly pool: GenericPool<Conn>;
  readonly counters: Counters = newCounters();
  /** Order of last use (acquire or release) among peers, for least-recently-used eviction. */
  lastUsedTick = 0;
  /**
   * Clock time since which the peer has not been used, as seen by the idle sweeps. The hot
   * path only bumps `lastUsedTick`; a sweep that finds it moved restarts the idle clock.
   */
  idleSince: number;
  tickAtLastSweep = 0;
  closing = false;
  readonly #ctx: PeerContext<Conn>;
  readonly #creates: PeerCreates<Conn>;
  /** Timeouts of creates, validations, destroys and backoff waits: ref'd while awaited. */
  readonly #guards: GuardTimers;
  readonly #waiting: WaitingAcquires;
  /** The request generic-pool queued for the acquire() running right now. */
  #queued: ResourceRequest | undefined;
  readonly #idle: IdleChecks<Conn>;
  #closed: Promise<void> | undefined;
  /** Created and not lent yet. */
  #fresh = new WeakSet<Conn>();
  #skipNextValidation = false;
  /** drain() ran out of time: borrowed connections were destroyed, late loans are refused. */
  #forced = false;

  constructor(id: string, ctx: PeerContext<Conn>) {
    this.id = id;
    this.#ctx = ctx;
    const { options } = ctx;
    const { clock } = options;
    this.idleSince = clock.now();
    this.#waiting = new WaitingAcquires(clock);
    // Someone awaits this peer's work while one of its acquires waits, or drain() is awaited.
    this.#guards = new GuardTimers(clock, () => this.pool.pending > 0 || ctx.isDraining());
    this.#creates = new PeerCreates(this, ctx, this.#guards.start, this.#waiting);
    this.#idle = new IdleChecks(
      id,
      options,
      () => this.pool,
      this.#guards.start,
      () => this.#invalid(),
    );
    this.pool = createGenericPool<Conn>(
      {
        evict: (resource) => this.#idle.shouldEvict(resource),
        idled: (resource) => this.#idle.idled(resource),
        queued: (request) => {
          this.#queued = request;
        },
      },
      {
        create: () => this.#create(),
        destroy: (conn) => this.#destroy(conn),
        ...(options.validate === undefined ? {} : { validate: (conn) => this.#validate(conn) }),
      },
      {
        max: options.maxPerPeer,
        min: options.minPerPeer,
        testOnBorrow: options.validate !== undefined,
        fifo: options.fifo,
        // Started below, once this.pool is assigned: min creates would otherwise run too early.
        autostart: false,
        evictionRunIntervalMillis:
          options.idleTimeoutMs > 0 || options.testWhileIdle ? options.idleCheckIntervalMs : 0,
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

  /**
   * Lends a connection. One that generic-pool lends at once (a hit without `validate`) arms no
   * timer; any other waits at most `timeoutMs` (what is left of `acquireTimeoutMs`).
   */
  acquire(timeoutMs: number = this.#ctx.options.acquireTimeoutMs): Promise<Conn> {
    const { pool } = this;
    if (pool.available > 0) {
      this.counters.hits += 1;
      this.#ctx.totals.hits += 1;
    } else {
      this.counters.misses += 1;
      this.#ctx.totals.misses += 1;
    }
    const acquired = pool.acquire();
    const request = this.#queued;
    this.#queued = undefined;
    if (request?.state === REQUEST_FULFILLED) return acquired;
    if (request?.state !== REQUEST_PENDING) return this.#acquireUntracked(acquired, timeoutMs);
    this.#waiting.add(request, timeoutMs, () => this.#timeoutError(), this.#creates.failedWindows);
    this.#guards.update();
    return acquired.then(
      (conn) => {
        this.#waitEnded(request);
        return this.#forced ? this.#refuse(conn) : conn;
      },
      (error: unknown) => {
        this.#waitEnded(request);
        this.#ctx.acquireFailed();
        throw error instanceof RequestCancelled ? error.reason : this.#acquireError(error);
      },
    );
  }

  /**
   * An acquire whose request the pool did not see queued (generic-pool refused it at once, or
   * its internals changed): bounded here instead, a connection lent after that goes back.
   */
  #acquireUntracked(acquired: Promise<Conn>, timeoutMs: number): Promise<Conn> {
    const { pool } = this;
    return withTimeout(
      acquired,
      awaitedTimer(this.#ctx.options.clock),
      timeoutMs,
      () => this.#timeoutError(),
      (late) => {
        if (pool.isBorrowedResource(late)) void pool.release(late);
      },
    ).then(
      (conn) => (this.#forced ? this.#refuse(conn) : conn),
      (error: unknown) => {
        this.#ctx.acquireFailed();
        throw this.#acquireError(error);
      },
    );
  }

  #waitEnded(request: ResourceRequest): void {
    this.#waiting.delete(request);
    // Perhaps nobody waits any more: the timers of this peer's work need not hold the process.
    this.#guards.update();
  }

  #timeoutError(): AcquireTimeoutError {
    const { acquireTimeoutMs } = this.#ctx.options;
    return new AcquireTimeoutError(this.id, acquireTimeoutMs, this.#creates.lastError);
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
    this.#queued = undefined;
    taken.then(
      (conn) => pool.destroy(conn),
      () => undefined,
    );
    return true;
  }

  /** One idle check: closes connections idle too long (and, with testWhileIdle, dead ones). */
  checkIdle(): void {
    runEviction(this.pool);
  }

  /** Lets borrowers finish, then destroys every connection; idempotent. */
  close(): Promise<void> {
    // drain() may be what calls: from now on its caller awaits this peer's creates and destroys.
    this.#guards.update();
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
    this.#creates.wakeAll();
  }

  /** Marked dead by an idle check: hand it to destroy instead of back to the pool. */
  isDead(conn: Conn): boolean {
    return this.#idle.isDead(conn);
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
    const conn = await this.#creates.create();
    // With validate, a create only counts as a success once its connection passes a check.
    if (this.#ctx.options.validate === undefined) this.#creates.succeeded();
    else this.#fresh.add(conn);
    this.counters.creates += 1;
    this.#ctx.totals.creates += 1;
    this.#ctx.events.emit('create', { peerId: this.id, conn });
    return conn;
  }

  #destroy(conn: Conn): Promise<void> {
    this.counters.destroyed += 1;
    this.#ctx.totals.destroyed += 1;
    this.#ctx.limiter.release();
    this.#ctx.events.emit('destroy', { peerId: this.id, conn });
    return callDestroy(this.#ctx.options, this.#ctx.events, this.id, conn, this.#guards.start);
  }

  /** The user's validate, made total: false, a throw, a rejection or a hang mean invalid. */
  #validate(conn: Conn): Promise<boolean> {
    if (this.#skipNextValidation) {
      this.#skipNextValidation = false;
      return Promise.resolve(true);
    }
    if (this.#idle.isDead(conn)) return Promise.resolve(this.#invalid());
    const fresh = this.#fresh.delete(conn);
    return callValidate(this.#ctx.options, this.id, conn, this.#guards.start).then((valid) => {
      if (!valid) return this.#invalid(fresh);
      if (fresh) this.#creates.succeeded();
      return true;
    });
  }

  #invalid(fresh = false): false {
    this.counters.validationFailures += 1;
    this.#ctx.totals.validationFailures += 1;
    // generic-pool validates new connections too: one failing its first check is a failed create.
    if (fresh) this.#creates.failedFirstCheck();
    return false;
  }

  #acquireError(error: unknown): unknown {
    if (error instanceof Error && /draining/.test(error.message))
      return new PoolClosedError(this.id);
    return error;
  }
}

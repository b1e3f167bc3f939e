import type { GenericPool, PooledResource } from './generic-pool.js';
import type { ResolvedOptions } from './options.js';
import type { StartTimer } from './timers.js';
import { callValidate } from './user-calls.js';

/**
 * The idle checks of one peer's connections, run by the pool's sweep on its clock: a connection
 * idle for `idleTimeoutMs` (above `minPerPeer`) is closed, and with `testWhileIdle` each idle
 * one is validated; one found dead is closed at the next check and never lent.
 */
export class IdleChecks<Conn extends object> {
  readonly #peerId: string;
  readonly #options: ResolvedOptions<Conn>;
  readonly #pool: () => GenericPool<Conn>;
  readonly #startTimer: StartTimer;
  readonly #foundDead: () => void;
  /** Clock time each idle connection became idle. */
  readonly #idleSince = new WeakMap<PooledResource<Conn>, number>();
  /** Found dead by an idle check: evicted at the next check, refused at the next borrow. */
  readonly #dead = new WeakSet<Conn>();
  readonly #checking = new WeakSet<Conn>();

  constructor(
    peerId: string,
    options: ResolvedOptions<Conn>,
    pool: () => GenericPool<Conn>,
    startTimer: StartTimer,
    foundDead: () => void,
  ) {
    this.#peerId = peerId;
    this.#options = options;
    this.#pool = pool;
    this.#startTimer = startTimer;
    this.#foundDead = foundDead;
  }

  /** generic-pool put `resource` among its idle ones. */
  idled(resource: PooledResource<Conn>): void {
    this.#idleSince.set(resource, this.#options.clock.now());
  }

  isDead(conn: Conn): boolean {
    return this.#dead.has(conn);
  }

  /** generic-pool's evictor asks, for each idle connection at an eviction run. */
  shouldEvict(resource: PooledResource<Conn>): boolean {
    const conn = resource.obj;
    if (this.#dead.has(conn)) return true;
    const options = this.#options;
    if (options.testWhileIdle) this.#checkWhileIdle(conn);
    const pool = this.#pool();
    const nowMs = options.clock.now();
    return (
      options.idleTimeoutMs > 0 &&
      // minPerPeer counts borrowed connections too: it is how many stay open, not stay idle.
      pool.available + pool.borrowed > options.minPerPeer &&
      nowMs - (this.#idleSince.get(resource) ?? nowMs) >= options.idleTimeoutMs
    );
  }

  #checkWhileIdle(conn: Conn): void {
    if (this.#checking.has(conn)) return;
    this.#checking.add(conn);
    void callValidate(this.#options, this.#peerId, conn, this.#startTimer).then((valid) => {
      this.#checking.delete(conn);
      // Borrowed meanwhile means it passed the check on borrow: newer news than ours.
      if (!valid && !this.#pool().isBorrowedResource(conn) && !this.#dead.has(conn)) {
        this.#dead.add(conn);
        this.#foundDead();
      }
    });
  }
}

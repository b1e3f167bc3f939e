import { backgroundTimeout, type Clock, type TimerHandle } from './clock.js';
import { NotBorrowedError, PoolClosedError } from './errors.js';
import {
  type Disposable,
  Emitter,
  type PeerEvictionReason,
  type PeerPoolEvents,
} from './events.js';
import {
  type DrainOptions,
  type PeerPoolOptions,
  type ResolvedOptions,
  resolveDrainTimeout,
  resolveOptions,
} from './options.js';
import { Peer, type PeerContext } from './peer.js';
import { PeerSlotWaiters } from './peer-slots.js';
import { hitRate, newCounters, type PeerStats, type PoolStats } from './stats.js';
import { type SlotClaimant, TotalLimiter } from './total-limiter.js';

/**
 * A keyed connection pool: one generic-pool per peer (an upstream server, a host, a database),
 * created on first use and closed when idle or when room is needed, with every known way for
 * generic-pool to hang or leak closed off.
 *
 * @example
 * const pool = new PeerPool({
 *   create: (address) => connect(address),
 *   destroy: (socket) => socket.destroy(),
 *   validate: (socket) => !socket.destroyed,
 * });
 * const reply = await pool.use('10.0.0.7:5000', (socket) => roundTrip(socket, 'ping'));
 */
export class PeerPool<Conn extends object> {
  readonly #options: ResolvedOptions<Conn>;
  readonly #events = new Emitter<PeerPoolEvents<Conn>>();
  readonly #totals = newCounters();
  readonly #limiter: TotalLimiter;
  readonly #ctx: PeerContext<Conn>;
  readonly #peers = new Map<string, Peer<Conn>>();
  /** Evicted peers whose connections are still being closed; they count in stats() until then. */
  readonly #closingPeers = new Set<Peer<Conn>>();
  /** Acquires for new peers waiting for one of the `maxPeers` pools to become idle. */
  readonly #slotWaiters: PeerSlotWaiters<{ acquired: Promise<Conn> }>;
  readonly #clock: Clock;
  #tick = 0;
  #evictedPeers = 0;
  #closed = false;
  #drained: Promise<void> | undefined;
  #drainDone = false;
  #forceAt = Number.POSITIVE_INFINITY;
  #forceTimer: TimerHandle | undefined;
  /** Destroyed by a drain() that ran out of time while borrowed: handing them back is a no-op. */
  readonly #forceDestroyed = new WeakSet<Conn>();
  #sweepTimer: TimerHandle | undefined;

  constructor(options: PeerPoolOptions<Conn>) {
    this.#options = resolveOptions(options);
    this.#clock = this.#options.clock;
    this.#slotWaiters = new PeerSlotWaiters(this.#clock);
    this.#limiter = new TotalLimiter(this.#options.maxTotal, (claimant) => this.#reclaim(claimant));
    this.#ctx = {
      options: this.#options,
      events: this.#events,
      limiter: this.#limiter,
      totals: this.#totals,
      acquireFailed: () => this.#peerMayBeIdle(),
      isDraining: () => this.#closed && !this.#drainDone,
    };
  }

  /** Subscribes to an event; returns a handle whose `dispose()` unsubscribes. */
  on<E extends keyof PeerPoolEvents<Conn>>(
    event: E,
    listener: (payload: PeerPoolEvents<Conn>[E]) => void,
  ): Disposable {
    return this.#events.on(event, listener);
  }

  /**
   * Lends a live connection to `peerId`: an idle one if there is one (validated first when
   * `validate` is set), else a new one. Rejects with `AcquireTimeoutError` after
   * `acquireTimeoutMs` (a new peer also waits within it while `maxPeers` busy peers leave no
   * room), `PoolClosedError` after `drain()`.
   */
  acquire(peerId: string): Promise<Conn> {
    if (typeof peerId !== 'string') {
      return Promise.reject(new TypeError(`peerId must be a string, got ${typeof peerId}.`));
    }
    if (this.#closed) return Promise.reject(new PoolClosedError(peerId));
    let peer = this.#peers.get(peerId);
    if (peer === undefined) {
      peer = this.#addPeer(peerId);
      if (peer === undefined) return this.#acquireWhenRoom(peerId);
    }
    peer.lastUsedTick = ++this.#tick;
    return peer.acquire();
  }

  /**
   * `maxPeers` busy peers: waits for one to become idle (its pool is closed to make room), then
   * acquires from the new peer in what is left of `acquireTimeoutMs`.
   */
  async #acquireWhenRoom(peerId: string): Promise<Conn> {
    const { acquired } = await this.#slotWaiters.wait(peerId, this.#options.acquireTimeoutMs);
    return acquired;
  }

  /** Something was handed back or gave up: if acquires wait for a peer slot, try to make one. */
  #peerMayBeIdle(): void {
    if (this.#slotWaiters.length === 0 || this.#closed) return;
    for (let peerId = this.#slotWaiters.nextPeerId; peerId !== undefined; ) {
      const peer = this.#peers.get(peerId) ?? this.#addPeer(peerId);
      if (peer === undefined) return;
      // Acquired at once, so the new peer is busy and not the next one closed to make room.
      this.#slotWaiters.grant(peerId, (leftMs) => {
        peer.lastUsedTick = ++this.#tick;
        return { acquired: peer.acquire(leftMs) };
      });
      peerId = this.#slotWaiters.nextPeerId;
    }
  }

  /**
   * Gives a borrowed connection back for reuse. Throws `NotBorrowedError` if it is not borrowed
   * from `peerId` of this pool (released twice, destroyed, or from elsewhere).
   */
  release(peerId: string, conn: Conn): void {
    const peer = this.#lender(peerId, conn);
    if (peer === undefined) return;
    peer.lastUsedTick = ++this.#tick;
    if (this.#options.testWhileIdle && peer.isDead(conn)) {
      void peer.pool.destroy(conn);
    } else {
      void peer.pool.release(conn);
      if (this.#limiter.waiting > 0) this.#limiter.connectionIdled();
    }
    if (this.#slotWaiters.length > 0 && peer.isIdle) this.#peerMayBeIdle();
  }

  /**
   * Closes a borrowed connection instead of returning it (it broke, or its state is unknown).
   * Throws `NotBorrowedError` like `release`. Errors of the `destroy` option become
   * `destroyError` events.
   */
  destroy(peerId: string, conn: Conn): void {
    const peer = this.#lender(peerId, conn);
    if (peer === undefined) return;
    void peer.pool.destroy(conn);
    if (this.#slotWaiters.length > 0 && peer.isIdle) this.#peerMayBeIdle();
  }

  /**
   * Acquires a connection, runs `fn` with it and releases it; if `fn` throws or rejects, the
   * connection is destroyed instead and the error is rethrown. `fn` must not release it itself.
   */
  async use<T>(peerId: string, fn: (conn: Conn) => T | Promise<T>): Promise<T> {
    if (typeof fn !== 'function') {
      throw new TypeError(`use(peerId, fn): fn must be a function, got ${typeof fn}.`);
    }
    const conn = await this.acquire(peerId);
    let result: T;
    try {
      result = await fn(conn);
    } catch (error) {
      const peer = this.#peers.get(peerId);
      if (peer?.pool.isBorrowedResource(conn)) this.destroy(peerId, conn);
      throw error;
    }
    this.release(peerId, conn);
    return result;
  }

  /**
   * Stops lending: every later `acquire` rejects with `PoolClosedError`. Acquires already
   * waiting are still served (or time out), borrowed connections are awaited until released or
   * destroyed, then every connection is destroyed. After `timeoutMs` (default 30 s) borrowed
   * connections are destroyed under their borrowers instead of awaited (handing one back later
   * does nothing), so a leaked connection cannot hold shutdown up.
   *
   * Idempotent: every call returns the same promise; a call with a shorter `timeoutMs` moves the
   * deadline earlier (`drain({ timeoutMs: 0 })` at a second SIGTERM, say).
   */
  drain(options?: DrainOptions): Promise<void> {
    let timeoutMs: number;
    try {
      timeoutMs = resolveDrainTimeout(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#drained === undefined) {
      this.#closed = true;
      this.#stopSweep();
      this.#slotWaiters.rejectAll((peerId) => new PoolClosedError(peerId));
      const peers = [...this.#peers.values(), ...this.#closingPeers];
      this.#drained = Promise.all(peers.map((peer) => peer.close())).then(() => {
        this.#peers.clear();
        this.#drainDone = true;
        if (this.#forceTimer !== undefined) this.#clock.clearTimeout(this.#forceTimer);
      });
    }
    this.#forceAfter(timeoutMs);
    return this.#drained;
  }

  /** Moves the drain deadline to `timeoutMs` from now if that is earlier than the current one. */
  #forceAfter(timeoutMs: number): void {
    if (this.#drainDone || timeoutMs === Number.POSITIVE_INFINITY) return;
    const at = this.#clock.now() + timeoutMs;
    if (at >= this.#forceAt) return;
    this.#forceAt = at;
    if (this.#forceTimer !== undefined) this.#clock.clearTimeout(this.#forceTimer);
    // Ref'd: it guards the drain() its caller awaits. A connection borrowed and never given back
    // (a leak) would otherwise let the process exit in the middle of `await pool.drain()`. It is
    // cleared when the drain completes.
    this.#forceTimer = this.#clock.setTimeout(() => this.#force(), timeoutMs);
  }

  /** The drain deadline passed: borrowed connections are destroyed instead of awaited. */
  #force(): void {
    this.#forceTimer = undefined;
    for (const peer of [...this.#peers.values(), ...this.#closingPeers]) {
      for (const conn of peer.force()) this.#forceDestroyed.add(conn);
    }
  }

  /** Figures for the whole pool and per peer, all plain numbers. */
  stats(): PoolStats {
    const byPeer: [string, PeerStats][] = [];
    let size = 0;
    let available = 0;
    let borrowed = 0;
    // Acquires waiting for a peer slot have no peer yet: they count in the total only.
    let pending = this.#slotWaiters.length;
    for (const peer of this.#peers.values()) {
      const stats = peer.stats();
      byPeer.push([peer.id, stats]);
      size += stats.size;
      available += stats.available;
      borrowed += stats.borrowed;
      pending += stats.pending;
    }
    for (const peer of this.#closingPeers) {
      size += peer.pool.size;
      available += peer.pool.available;
      borrowed += peer.pool.borrowed;
      pending += peer.pool.pending;
    }
    return {
      peers: this.#peers.size,
      size,
      available,
      borrowed,
      pending,
      ...this.#totals,
      hitRate: hitRate(this.#totals),
      evictedPeers: this.#evictedPeers,
      byPeer: Object.fromEntries(byPeer),
    };
  }

  /** One open peer's figures, or `undefined` if it has no pool. */
  peerStats(peerId: string): PeerStats | undefined {
    return this.#peers.get(peerId)?.stats();
  }

  /** The peer `conn` is borrowed from; `undefined` if a timed-out drain() destroyed it. */
  #lender(peerId: string, conn: Conn): Peer<Conn> | undefined {
    const peer = this.#peers.get(peerId);
    if (peer === undefined || !peer.pool.isBorrowedResource(conn)) {
      if (this.#forceDestroyed.has(conn)) return undefined;
      throw new NotBorrowedError(peerId);
    }
    return peer;
  }

  /** Opens a pool for `peerId`, closing the least recently used idle one at `maxPeers`. */
  #addPeer(peerId: string): Peer<Conn> | undefined {
    if (this.#peers.size >= this.#options.maxPeers) {
      const victim = this.#leastRecentlyUsed((peer) => peer.isIdle);
      if (victim === undefined) return undefined;
      this.#evict(victim, 'max-peers');
    }
    const peer = new Peer(peerId, this.#ctx);
    this.#peers.set(peerId, peer);
    this.#startSweep();
    return peer;
  }

  #evict(peer: Peer<Conn>, reason: PeerEvictionReason): void {
    this.#peers.delete(peer.id);
    this.#closingPeers.add(peer);
    this.#evictedPeers += 1;
    this.#events.emit('peerEvicted', { peerId: peer.id, reason });
    void peer.close().then(() => this.#closingPeers.delete(peer));
  }

  /**
   * `maxTotal` is reached and `claimant` needs a connection: close an idle connection of the
   * least recently used other peer (keeping its `minPerPeer`), or failing that, a whole idle peer.
   */
  #reclaim(claimant: SlotClaimant): void {
    const { minPerPeer } = this.#options;
    const spare = this.#leastRecentlyUsed(
      (peer) => peer !== claimant && peer.pool.available > minPerPeer && peer.pool.pending === 0,
    );
    if (spare !== undefined) {
      spare.reclaimOne();
      return;
    }
    const idle = this.#leastRecentlyUsed(
      (peer) => peer !== claimant && peer.isIdle && peer.pool.size > 0,
    );
    if (idle !== undefined) this.#evict(idle, 'max-total');
  }

  #leastRecentlyUsed(eligible: (peer: Peer<Conn>) => boolean): Peer<Conn> | undefined {
    let oldest: Peer<Conn> | undefined;
    for (const peer of this.#peers.values()) {
      if ((oldest === undefined || peer.lastUsedTick < oldest.lastUsedTick) && eligible(peer)) {
        oldest = peer;
      }
    }
    return oldest;
  }

  #startSweep(): void {
    const { idleTimeoutMs, testWhileIdle, idleCheckIntervalMs } = this.#options;
    if (this.#sweepTimer !== undefined || (idleTimeoutMs === 0 && !testWhileIdle)) return;
    this.#sweepTimer = backgroundTimeout(this.#clock, () => this.#sweep(), idleCheckIntervalMs);
  }

  #stopSweep(): void {
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  /**
   * The idle check: closes connections idle for `idleTimeoutMs` (and, with `testWhileIdle`,
   * dead ones), then the pools of peers that have sat idle that long.
   */
  #sweep(): void {
    this.#sweepTimer = undefined;
    for (const peer of this.#peers.values()) peer.checkIdle();
    for (const peer of this.#closingPeers) peer.checkIdle();
    if (this.#options.idleTimeoutMs > 0) this.#closeIdlePeers();
    // A backstop: acquires waiting for a peer slot get one if a peer went idle unnoticed.
    this.#peerMayBeIdle();
    if (this.#peers.size > 0 || this.#closingPeers.size > 0) this.#startSweep();
  }

  #closeIdlePeers(): void {
    const nowMs = this.#clock.now();
    for (const peer of [...this.#peers.values()]) {
      if (peer.lastUsedTick !== peer.tickAtLastSweep || !peer.isIdle) {
        peer.tickAtLastSweep = peer.lastUsedTick;
        peer.idleSince = nowMs;
      } else if (nowMs - peer.idleSince >= this.#options.idleTimeoutMs) {
        this.#evict(peer, 'idle');
      }
    }
  }
}

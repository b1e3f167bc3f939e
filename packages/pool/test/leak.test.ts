import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeerPool } from '../src/index.js';
import { FakeConn } from './helpers.js';

/** A seeded PRNG (mulberry32), so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CYCLES = 100_000;
const PEERS = 50;
const BATCH = 250;

describe('leaks', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves nothing borrowed, pending or unaccounted for after 100,000 chaotic cycles', async () => {
    const random = seeded(4);
    const created: FakeConn[] = [];
    const destroyCalls = new Map<FakeConn, number>();
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => {
        const roll = random();
        if (roll < 0.025) throw new Error('ECONNREFUSED (sync)');
        if (roll < 0.05) return Promise.reject(new Error('ECONNRESET'));
        const conn = new FakeConn(peerId);
        created.push(conn);
        return conn;
      },
      destroy: (conn) => {
        destroyCalls.set(conn, (destroyCalls.get(conn) ?? 0) + 1);
        conn.destroyed = true;
      },
      validate: () => random() >= 0.05,
      maxPerPeer: 4,
      minPerPeer: 1,
      maxPeers: 40,
      maxTotal: 100,
      acquireTimeoutMs: 500,
      idleTimeoutMs: 2_000,
      idleCheckIntervalMs: 100,
      createRetry: { baseDelayMs: 1, maxDelayMs: 20 },
    });
    const outcomes = { ok: 0, failed: 0 };
    // Expected failures: the pool's own typed errors, and the callback errors thrown below.
    const failure = (error: unknown) => {
      outcomes.failed += 1;
      if (!(error instanceof Error) || !('code' in error || error.message === 'fn failed')) {
        throw error;
      }
    };

    const cycle = async (): Promise<void> => {
      const peerId = `peer-${Math.floor(random() * PEERS)}`;
      const kind = random();
      if (kind < 0.45) {
        const conn = await pool.acquire(peerId);
        await Promise.resolve();
        pool.release(peerId, conn);
      } else if (kind < 0.9) {
        await pool.use(peerId, async () => {
          if (random() < 0.05) throw new Error('fn failed');
        });
      } else {
        pool.destroy(peerId, await pool.acquire(peerId));
      }
      outcomes.ok += 1;
    };

    for (let started = 0; started < CYCLES; started += BATCH) {
      let pending = BATCH;
      for (let i = 0; i < BATCH; i++) {
        cycle()
          .catch(failure)
          .finally(() => {
            pending -= 1;
          });
      }
      while (pending > 0) await vi.advanceTimersByTimeAsync(5);
    }
    // Let creates sleeping in backoff (20 ms at most) find that nobody waits for them any more.
    await vi.advanceTimersByTimeAsync(100);

    const stats = pool.stats();
    const live = created.filter((conn) => !conn.destroyed);
    expect(outcomes.ok + outcomes.failed).toBe(CYCLES);
    expect(outcomes.ok).toBeGreaterThan(CYCLES * 0.8);
    expect(stats).toMatchObject({ borrowed: 0, pending: 0 });
    expect(stats.creates).toBe(created.length);
    expect(stats.destroyed).toBe(created.length - live.length);
    expect(stats.size).toBe(live.length);
    expect(stats.size).toBeLessThanOrEqual(100);
    expect([...destroyCalls.values()].every((calls) => calls === 1)).toBe(true);

    await pool.drain();
    expect(created.every((conn) => conn.destroyed)).toBe(true);
    expect(pool.stats()).toMatchObject({ size: 0, borrowed: 0, pending: 0 });
  }, 60_000);
});

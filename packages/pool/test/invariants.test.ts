import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeerPool } from '../src/index.js';
import { FakeConn } from './helpers.js';

const MAX_PER_PEER = 2;
const MAX_TOTAL = 3;

type Step =
  | { kind: 'acquire'; peer: number }
  | { kind: 'release' | 'destroy'; pick: number }
  | { kind: 'kill'; pick: number }
  | { kind: 'advance'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('acquire' as const), peer: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constantFrom('release' as const, 'destroy' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('kill' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3_000 }) }),
);

describe('invariants under random operations', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never exceeds its limits, lends a connection to one borrower at a time, and accounts for every connection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 40 }),
        fc.boolean(),
        async (steps, failCreates) => {
          const created: FakeConn[] = [];
          let createCalls = 0;
          const pool = new PeerPool<FakeConn>({
            create: (peerId) => {
              createCalls += 1;
              if (failCreates && createCalls % 3 === 0) throw new Error('refused');
              const conn = new FakeConn(peerId);
              created.push(conn);
              return conn;
            },
            destroy: (conn) => {
              conn.destroyed = true;
            },
            validate: (conn) => conn.alive,
            maxPerPeer: MAX_PER_PEER,
            maxTotal: MAX_TOTAL,
            maxPeers: 3,
            acquireTimeoutMs: 1_000,
            idleTimeoutMs: 2_000,
            createRetry: { baseDelayMs: 10, maxDelayMs: 100 },
          });
          const borrowed: FakeConn[] = [];
          const inFlight: Promise<unknown>[] = [];

          for (const s of steps) {
            if (s.kind === 'acquire') {
              const peerId = `p${s.peer}`;
              inFlight.push(
                pool.acquire(peerId).then(
                  (conn) => {
                    expect(borrowed).not.toContain(conn);
                    expect(conn.peerId).toBe(peerId);
                    borrowed.push(conn);
                  },
                  (error: { code?: string }) => expect(error.code).toMatch(/^ERR_POOL_/),
                ),
              );
            } else if (s.kind === 'advance') {
              await vi.advanceTimersByTimeAsync(s.ms);
            } else if (borrowed.length > 0) {
              const index = s.pick % borrowed.length;
              const conn = borrowed[index]!;
              if (s.kind === 'kill') {
                conn.alive = false;
                continue;
              }
              borrowed.splice(index, 1);
              if (s.kind === 'release') pool.release(conn.peerId, conn);
              else pool.destroy(conn.peerId, conn);
            }
            await vi.advanceTimersByTimeAsync(0);
            const live = created.filter((c) => !c.destroyed);
            expect(live.length).toBeLessThanOrEqual(MAX_TOTAL);
            for (const peer of ['p0', 'p1', 'p2', 'p3']) {
              expect(live.filter((c) => c.peerId === peer).length).toBeLessThanOrEqual(
                MAX_PER_PEER,
              );
            }
            expect(pool.stats().borrowed).toBe(borrowed.length);
          }

          for (const conn of borrowed.splice(0)) pool.release(conn.peerId, conn);
          await vi.advanceTimersByTimeAsync(5_000);
          await Promise.all(inFlight);
          for (const conn of borrowed.splice(0)) pool.release(conn.peerId, conn);
          await vi.advanceTimersByTimeAsync(1_000);
          const stats = pool.stats();
          expect(stats).toMatchObject({ borrowed: 0, pending: 0 });
          expect(stats.creates).toBe(created.length);
          expect(stats.size).toBe(created.filter((c) => !c.destroyed).length);
          await pool.drain();
          expect(created.every((c) => c.destroyed)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  }, 30_000);
});

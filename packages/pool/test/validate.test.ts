import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AcquireTimeoutError, PeerPool } from '../src/index.js';
import { type FakeConn, fakeFactory, settle } from './helpers.js';

async function poolWithIdle(
  count: number,
  validate: (conn: FakeConn) => boolean | Promise<boolean>,
  extra: object = {},
) {
  const factory = fakeFactory();
  const pool = new PeerPool<FakeConn>({ ...factory, validate, ...extra });
  const conns = await Promise.all(Array.from({ length: count }, () => pool.acquire('a')));
  for (const conn of conns) pool.release('a', conn);
  return { pool, factory, conns };
}

describe('validation on borrow', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('destroys a connection that validate rejects as false and lends another', async () => {
    const { pool, conns } = await poolWithIdle(2, (conn) => conn.alive);
    const [first, second] = conns as [FakeConn, FakeConn];
    second.alive = false;

    const lent = await pool.acquire('a');
    await settle();

    expect(lent).toBe(first);
    expect(second.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({ validationFailures: 1, destroyed: 1, size: 1 });
  });

  it('destroys a connection whose validate rejects instead of leaking it', async () => {
    let rejecting = false;
    const { pool, factory, conns } = await poolWithIdle(1, (conn) =>
      rejecting && conn.id === conns[0]?.id ? Promise.reject(new Error('EPIPE')) : true,
    );
    rejecting = true;

    const lent = await pool.acquire('a');
    await settle();

    expect(lent).not.toBe(conns[0]);
    expect(conns[0]?.destroyed).toBe(true);
    expect(factory.create).toHaveBeenCalledTimes(2);
    expect(pool.stats()).toMatchObject({ size: 1, borrowed: 1, validationFailures: 1 });
  });

  it('treats a validate that throws synchronously as invalid', async () => {
    let throwing = false;
    const { pool, conns } = await poolWithIdle(1, () => {
      if (throwing) {
        throwing = false;
        throw new Error('boom');
      }
      return true;
    });
    throwing = true;

    const lent = await pool.acquire('a');
    await settle();

    expect(lent).not.toBe(conns[0]);
    expect(conns[0]?.destroyed).toBe(true);
  });

  it('treats a validate that hangs past validateTimeoutMs as invalid', async () => {
    let hang = false;
    const { pool, conns } = await poolWithIdle(
      1,
      () => {
        if (!hang) return true;
        hang = false;
        return new Promise<boolean>(() => {});
      },
      { validateTimeoutMs: 200 },
    );
    hang = true;

    const acquired = pool.acquire('a');
    await vi.advanceTimersByTimeAsync(200);

    expect(await acquired).not.toBe(conns[0]);
    expect(conns[0]?.destroyed).toBe(true);
  });

  it('does not spin when validate rejects every connection, new ones included', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({
      ...factory,
      validate: () => false,
      acquireTimeoutMs: 1_000,
      createRetry: { jitter: 'none' },
    });

    const outcome = pool.acquire('a').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
    // A new connection failing its first check is a failed create: attempts at 0, 100, 300, 700.
    expect(factory.create).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(1_000); // the next create wakes, finds nobody waiting, gives up
    expect(pool.stats()).toMatchObject({ size: 0, creates: 4, destroyed: 4 });
  });

  it('catches a connection that died while idle when it is next borrowed', async () => {
    const { pool, conns } = await poolWithIdle(1, (conn) => conn.alive);
    const [idle] = conns as [FakeConn];

    idle.alive = false; // the server closed it while it sat in the pool
    const lent = await pool.acquire('a');

    expect(lent).not.toBe(idle);
    expect(lent.alive).toBe(true);
  });

  it('closes connections that die while idle before anyone borrows them, with testWhileIdle', async () => {
    const { pool, conns } = await poolWithIdle(2, (conn) => conn.alive, {
      testWhileIdle: true,
      idleTimeoutMs: 0,
      idleCheckIntervalMs: 1_000,
    });
    const [first] = conns as [FakeConn, FakeConn];
    first.alive = false;

    await vi.advanceTimersByTimeAsync(2_000);

    expect(first.destroyed).toBe(true);
    expect(pool.peerStats('a')).toMatchObject({ size: 1, available: 1, validationFailures: 1 });
  });
});

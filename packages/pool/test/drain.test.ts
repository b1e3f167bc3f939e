import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DestroyTimeoutError, PeerPool, PoolClosedError } from '../src/index.js';
import { FakeConn, fakeFactory, settle } from './helpers.js';

describe('drain and destroy errors', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects every acquire after drain() with PoolClosedError', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    await pool.use('a', () => undefined);

    await pool.drain();

    await expect(pool.acquire('a')).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.acquire('new-peer')).rejects.toMatchObject({ code: 'ERR_POOL_CLOSED' });
  });

  it('destroys every idle connection and returns the same promise when called again', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>(factory);
    await pool.use('a', () => undefined);
    await pool.use('b', () => undefined);

    const first = pool.drain();
    const second = pool.drain();
    await first;

    expect(second).toBe(first);
    expect(factory.created.every((c) => c.destroyed)).toBe(true);
    expect(pool.stats()).toMatchObject({ peers: 0, size: 0, creates: 2, destroyed: 2 });
  });

  it('waits for a borrowed connection to come back before destroying it', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    const conn = await pool.acquire('a');
    let drained = false;

    const draining = pool.drain().then(() => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    pool.release('a', conn);
    await draining;

    expect(conn.destroyed).toBe(true);
  });

  it('still serves an acquire that was waiting when drain() began', async () => {
    const pool = new PeerPool<FakeConn>({ ...fakeFactory(), maxPerPeer: 1 });
    const held = await pool.acquire('a');
    const waiting = pool.acquire('a');

    const draining = pool.drain();
    pool.release('a', held);
    const served = await waiting;
    pool.release('a', served);
    await draining;

    expect(served).toBe(held);
    expect(held.destroyed).toBe(true);
  });

  it('does not wait out the backoff of a create nobody needs any more', async () => {
    const pool = new PeerPool<FakeConn>({
      create: () => Promise.reject(new Error('ECONNREFUSED')),
      destroy: () => undefined,
      acquireTimeoutMs: 1_000,
      createRetry: { baseDelayMs: 5_000, jitterRatio: 0 },
    });
    const timedOut = pool.acquire('a').catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    await timedOut;
    let drained = false;

    const draining = pool.drain().then(() => {
      drained = true;
    });
    await settle();

    expect(drained).toBe(true);
    await draining;
  });

  it('turns a throwing destroy into a destroyError event', async () => {
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => new FakeConn(peerId),
      destroy: () => {
        throw new Error('already closed');
      },
    });
    const errors: unknown[] = [];
    pool.on('destroyError', ({ error, peerId }) => errors.push([peerId, error]));
    const conn = await pool.acquire('a');

    expect(() => pool.destroy('a', conn)).not.toThrow();
    await settle();

    expect(errors).toEqual([['a', new Error('already closed')]]);
    expect(pool.stats()).toMatchObject({ destroyed: 1, size: 0 });
  });

  it('turns a rejecting destroy into a destroyError event', async () => {
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => new FakeConn(peerId),
      destroy: () => Promise.reject(new Error('EPIPE')),
    });
    const errors: unknown[] = [];
    pool.on('destroyError', ({ error }) => errors.push(error));

    await pool.use('a', () => undefined);
    await pool.drain();

    expect(errors).toEqual([new Error('EPIPE')]);
  });

  it('finishes drain() after destroyTimeoutMs when a destroy hangs', async () => {
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => new FakeConn(peerId),
      destroy: () => new Promise(() => {}),
      destroyTimeoutMs: 2_000,
    });
    const errors: unknown[] = [];
    pool.on('destroyError', ({ error }) => errors.push(error));
    await pool.use('a', () => undefined);
    let drained = false;

    const draining = pool.drain().then(() => {
      drained = true;
    });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await draining;

    expect(errors[0]).toBeInstanceOf(DestroyTimeoutError);
  });

  it('reports a throwing event listener without breaking the pool', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    pool.on('create', () => {
      throw new Error('listener bug');
    });

    try {
      const conn = await pool.acquire('a');
      await settle();
      expect(conn).toBeInstanceOf(FakeConn);
      expect(uncaught).toEqual([new Error('listener bug')]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

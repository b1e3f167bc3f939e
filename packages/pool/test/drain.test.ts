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
      createRetry: { baseDelayMs: 5_000, jitter: 'none' },
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

describe('drain() with connections never given back', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Resolves to whether `promise` has settled, after letting promise chains run. */
  async function isSettled(promise: Promise<unknown>): Promise<boolean> {
    let settled = false;
    void promise.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await settle();
    return settled;
  }

  it('destroys a borrowed connection once timeoutMs passes, and resolves', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>(factory);
    const leaked = await pool.acquire('a');

    const draining = pool.drain({ timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(await isSettled(draining)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(await isSettled(draining)).toBe(true);
    expect(leaked.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({ size: 0, borrowed: 0, creates: 1, destroyed: 1 });
  });

  it('gives up waiting after 30 seconds by default', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    const leaked = await pool.acquire('a');

    const draining = pool.drain();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(await isSettled(draining)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(await isSettled(draining)).toBe(true);
    expect(leaked.destroyed).toBe(true);
  });

  it('waits for every borrower with timeoutMs: Infinity', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    const held = await pool.acquire('a');

    const draining = pool.drain({ timeoutMs: Number.POSITIVE_INFINITY });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(await isSettled(draining)).toBe(false);
    pool.release('a', held);

    expect(await isSettled(draining)).toBe(true);
    expect(held.destroyed).toBe(true);
  });

  it('moves the deadline earlier when called again with a shorter timeoutMs', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    await pool.acquire('a');
    const first = pool.drain({ timeoutMs: 60_000 });

    const second = pool.drain({ timeoutMs: 0 });
    await vi.advanceTimersByTimeAsync(0);

    expect(second).toBe(first);
    expect(await isSettled(first)).toBe(true);
  });

  it('does nothing when a connection it destroyed is handed back afterwards', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>(factory);
    const released = await pool.acquire('a');
    const destroyed = await pool.acquire('a');
    let finish: () => void = () => undefined;
    const inUse = pool.use(
      'a',
      () => new Promise<string>((resolve) => (finish = () => resolve('done'))),
    );
    await settle();

    const draining = pool.drain({ timeoutMs: 0 });
    await vi.advanceTimersByTimeAsync(0);
    await draining;
    finish();

    expect(() => pool.release('a', released)).not.toThrow();
    expect(() => pool.destroy('a', destroyed)).not.toThrow();
    await expect(inUse).resolves.toBe('done');
    expect(factory.destroy).toHaveBeenCalledTimes(3);
  });

  it('refuses a connection to an acquire still waiting at the deadline, and destroys it', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({ ...factory, maxPerPeer: 1, acquireTimeoutMs: 5_000 });
    await pool.acquire('a');
    const waiting = pool.acquire('a').catch((error: unknown) => error);

    const draining = pool.drain({ timeoutMs: 100 });
    await vi.advanceTimersByTimeAsync(100);

    expect(await waiting).toBeInstanceOf(PoolClosedError);
    expect(await isSettled(draining)).toBe(true);
    expect(factory.created).toHaveLength(2);
    expect(factory.created.every((conn) => conn.destroyed)).toBe(true);
  });

  it('rejects a timeoutMs that is negative or not a number', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());

    await expect(pool.drain({ timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
    await expect(pool.drain({ timeoutMs: '5' as unknown as number })).rejects.toThrow(RangeError);
  });
});

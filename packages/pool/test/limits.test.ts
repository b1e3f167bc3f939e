import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AcquireTimeoutError, PeerPool } from '../src/index.js';
import { FakeConn, fakeFactory, settle } from './helpers.js';

describe('limits', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times out an acquire when maxPerPeer connections stay borrowed', async () => {
    const pool = new PeerPool<FakeConn>({ ...fakeFactory(), maxPerPeer: 1, acquireTimeoutMs: 500 });
    await pool.acquire('a');

    const outcome = pool.acquire('a').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
    expect((await outcome) as Error).toMatchObject({
      message: expect.not.stringContaining('create failed'),
    });
    expect(pool.stats().pending).toBe(0);
  });

  it('closes the least recently used idle peer when a new peer exceeds maxPeers', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({ ...factory, maxPeers: 2 });
    const evicted: string[] = [];
    pool.on('peerEvicted', ({ peerId, reason }) => evicted.push(`${peerId}:${reason}`));
    await pool.use('a', () => undefined);
    await pool.use('b', () => undefined);
    await pool.use('a', () => undefined);

    await pool.use('c', () => undefined);
    await settle();

    expect(evicted).toEqual(['b:max-peers']);
    expect(Object.keys(pool.stats().byPeer).sort()).toEqual(['a', 'c']);
    expect(factory.created.find((c) => c.peerId === 'b')?.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({ peers: 2, evictedPeers: 1, size: 2 });
  });

  it('makes a new peer wait while every peer at maxPeers is busy, then closes the first to go idle', async () => {
    const pool = new PeerPool<FakeConn>({ ...fakeFactory(), maxPeers: 1 });
    const evicted: string[] = [];
    pool.on('peerEvicted', ({ peerId, reason }) => evicted.push(`${peerId}:${reason}`));
    const a = await pool.acquire('a');

    const forB = pool.acquire('b');
    await settle();
    expect(pool.stats()).toMatchObject({ peers: 1, pending: 1 });
    pool.release('a', a);

    expect((await forB).peerId).toBe('b');
    expect(evicted).toEqual(['a:max-peers']);
  });

  it('times out a new peer waiting for room under maxPeers with AcquireTimeoutError', async () => {
    const pool = new PeerPool<FakeConn>({ ...fakeFactory(), maxPeers: 1, acquireTimeoutMs: 500 });
    await pool.acquire('a');

    const outcome = pool.acquire('b').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(499);
    expect(pool.stats().pending).toBe(1);
    await vi.advanceTimersByTimeAsync(1);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
    expect(await outcome).toMatchObject({ peerId: 'b', timeoutMs: 500 });
    expect(pool.stats()).toMatchObject({ peers: 1, pending: 0 });
  });

  it('counts the wait for room under maxPeers in the same acquireTimeoutMs', async () => {
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => (peerId === 'a' ? new FakeConn(peerId) : new Promise(() => {})),
      destroy: () => undefined,
      maxPeers: 1,
      acquireTimeoutMs: 1_000,
    });
    const a = await pool.acquire('a');
    const outcome = pool.acquire('b').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(600);

    pool.release('a', a); // room for b at 600 ms; its create then hangs
    await vi.advanceTimersByTimeAsync(400);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
  });

  it('does not close a peer it just made room for to make room for the next one', async () => {
    const pool = new PeerPool<FakeConn>({ ...fakeFactory(), maxPeers: 2 });
    const a = await pool.acquire('a');
    const b = await pool.acquire('b');
    const forC = pool.acquire('c');
    const forD = pool.acquire('d');
    await settle();

    pool.release('a', a);
    const c = await forC;
    await settle();
    expect(pool.stats()).toMatchObject({ peers: 2, pending: 1 });
    pool.release('b', b);

    expect([c.peerId, (await forD).peerId]).toEqual(['c', 'd']);
  });

  it('rejects acquires waiting for room under maxPeers when drain() begins', async () => {
    const pool = new PeerPool<FakeConn>({ ...fakeFactory(), maxPeers: 1 });
    const a = await pool.acquire('a');
    const forB = pool.acquire('b').catch((e: unknown) => e);

    const draining = pool.drain();
    pool.release('a', a);

    expect(await forB).toMatchObject({ code: 'ERR_POOL_CLOSED', peerId: 'b' });
    await draining;
  });

  it('closes an idle connection of another peer to make room under maxTotal', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({ ...factory, maxTotal: 2 });
    const a1 = await pool.acquire('a');
    const a2 = await pool.acquire('a');
    pool.release('a', a1);
    pool.release('a', a2);

    const b = await pool.acquire('b');
    await settle();

    expect(b.peerId).toBe('b');
    expect(factory.created.filter((c) => c.peerId === 'a' && c.destroyed)).toHaveLength(1);
    expect(pool.stats()).toMatchObject({ size: 2, borrowed: 1, available: 1 });
  });

  it('makes an acquire wait under maxTotal until another peer releases a connection', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({ ...factory, maxTotal: 1 });
    const a = await pool.acquire('a');

    const forB = pool.acquire('b');
    await settle();
    expect(pool.stats()).toMatchObject({ pending: 1, size: 2 });
    pool.release('a', a);

    const b = await forB;
    await settle();
    expect(b.peerId).toBe('b');
    expect(a.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({ size: 1, borrowed: 1, creates: 2, destroyed: 1 });
  });

  it('times out an acquire that maxTotal keeps waiting', async () => {
    const pool = new PeerPool<FakeConn>({ ...fakeFactory(), maxTotal: 1, acquireTimeoutMs: 300 });
    await pool.acquire('a');

    const outcome = pool.acquire('b').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(300);

    expect(await outcome).toMatchObject({ peerId: 'b', timeoutMs: 300 });
  });

  it('closes connections idle for idleTimeoutMs, down to minPerPeer', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({
      ...factory,
      minPerPeer: 1,
      idleTimeoutMs: 10_000,
      idleCheckIntervalMs: 1_000,
    });
    const conns = await Promise.all([pool.acquire('a'), pool.acquire('a'), pool.acquire('a')]);
    const keepAlive = pool.acquire('a'); // keeps the peer itself in use
    for (const conn of conns) pool.release('a', conn);
    await keepAlive;

    await vi.advanceTimersByTimeAsync(11_000);

    expect(pool.peerStats('a')).toMatchObject({ size: 1, borrowed: 1, available: 0 });
    expect(factory.created.filter((c) => !c.destroyed)).toHaveLength(1);
  });

  it('closes the pool of a peer left idle for idleTimeoutMs', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({ ...factory, minPerPeer: 1, idleTimeoutMs: 10_000 });
    const evicted: string[] = [];
    pool.on('peerEvicted', ({ peerId, reason }) => evicted.push(`${peerId}:${reason}`));
    await pool.use('a', () => undefined);

    await vi.advanceTimersByTimeAsync(9_000);
    expect(pool.stats().peers).toBe(1);
    await vi.advanceTimersByTimeAsync(6_000);

    expect(evicted).toEqual(['a:idle']);
    expect(pool.stats()).toMatchObject({ peers: 0, size: 0, evictedPeers: 1 });
    expect(factory.created.every((c) => c.destroyed)).toBe(true);
  });

  it('does not close a peer that has a connection borrowed, however long', async () => {
    const pool = new PeerPool<FakeConn>({ ...fakeFactory(), idleTimeoutMs: 1_000 });
    await pool.acquire('a');

    await vi.advanceTimersByTimeAsync(60_000);

    expect(pool.stats()).toMatchObject({ peers: 1, borrowed: 1 });
  });

  it('closes a whole idle peer under maxTotal when its connections are all within minPerPeer', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({ ...factory, maxTotal: 1, minPerPeer: 1 });
    const evicted: string[] = [];
    pool.on('peerEvicted', ({ peerId, reason }) => evicted.push(`${peerId}:${reason}`));
    await pool.use('a', () => undefined);

    const b = await pool.acquire('b');
    await settle();

    expect(b.peerId).toBe('b');
    expect(evicted).toEqual(['a:max-total']);
    expect(pool.stats()).toMatchObject({ peers: 1, size: 1, evictedPeers: 1 });
  });

  it('lends the most recently released connection first by default, the oldest with fifo', async () => {
    const lentAfterTwoReleases = async (fifo: boolean) => {
      const pool = new PeerPool<FakeConn>({ ...fakeFactory(), fifo });
      const [first, second] = [await pool.acquire('a'), await pool.acquire('a')];
      pool.release('a', first);
      pool.release('a', second);
      return [await pool.acquire('a'), first, second];
    };

    const [lifoLent, , lifoSecond] = await lentAfterTwoReleases(false);
    const [fifoLent, fifoFirst] = await lentAfterTwoReleases(true);

    expect(lifoLent).toBe(lifoSecond);
    expect(fifoLent).toBe(fifoFirst);
  });
});

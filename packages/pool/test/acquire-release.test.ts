import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotBorrowedError, PeerPool } from '../src/index.js';
import { type FakeConn, fakeFactory, settle } from './helpers.js';

describe('PeerPool acquire and release', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates a connection on a miss and reuses it on a hit', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>(factory);

    const first = await pool.acquire('a');
    pool.release('a', first);
    const second = await pool.acquire('a');

    expect(second).toBe(first);
    expect(factory.create).toHaveBeenCalledTimes(1);
    expect(factory.create).toHaveBeenCalledWith('a');
    expect(pool.stats()).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5, creates: 1 });
  });

  it('keeps one pool per peer', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>(factory);

    const a = await pool.acquire('a');
    const b = await pool.acquire('b');

    expect([a.peerId, b.peerId]).toEqual(['a', 'b']);
    expect(pool.stats()).toMatchObject({ peers: 2, borrowed: 2 });
    expect(pool.peerStats('a')).toMatchObject({ borrowed: 1, creates: 1 });
  });

  it('throws NotBorrowedError when a connection is released twice', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    const conn = await pool.acquire('a');
    pool.release('a', conn);

    expect(() => pool.release('a', conn)).toThrow(NotBorrowedError);
  });

  it('throws NotBorrowedError when a connection is released to another peer', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    await pool.acquire('b');
    const conn = await pool.acquire('a');

    expect(() => pool.release('b', conn)).toThrow(
      expect.objectContaining({ code: 'ERR_POOL_NOT_BORROWED', peerId: 'b' }),
    );
  });

  it('throws NotBorrowedError for a connection that never came from the pool', () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());

    expect(() => pool.release('a', { peerId: 'a' } as FakeConn)).toThrow(
      /not borrowed from peer "a"/,
    );
  });

  it('destroys a connection handed to destroy() instead of reusing it', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>(factory);
    const first = await pool.acquire('a');

    pool.destroy('a', first);
    await settle();
    const second = await pool.acquire('a');

    expect(first.destroyed).toBe(true);
    expect(second).not.toBe(first);
    expect(pool.stats()).toMatchObject({ creates: 2, destroyed: 1, size: 1 });
  });

  it('releases the connection after use() and returns the result', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());

    const id = await pool.use('a', (conn) => conn.id);

    expect(typeof id).toBe('number');
    expect(pool.stats()).toMatchObject({ borrowed: 0, available: 1 });
  });

  it('destroys the connection when the use() callback throws', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>(factory);

    await expect(
      pool.use('a', async () => {
        throw new Error('protocol error');
      }),
    ).rejects.toThrow('protocol error');
    await settle();

    expect(factory.created[0]?.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({ borrowed: 0, size: 0, destroyed: 1 });
  });

  it('waits for a release when the peer is at maxPerPeer', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({ ...factory, maxPerPeer: 1 });
    const held = await pool.acquire('a');

    const waiting = pool.acquire('a');
    await settle();
    expect(pool.stats().pending).toBe(1);
    pool.release('a', held);

    await expect(waiting).resolves.toBe(held);
    expect(factory.create).toHaveBeenCalledTimes(1);
  });

  it('creates minPerPeer connections when a peer is first used', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>({ ...factory, minPerPeer: 3 });

    const conn = await pool.acquire('a');
    await settle();

    expect(pool.peerStats('a')).toMatchObject({ size: 3, borrowed: 1, available: 2 });
    pool.release('a', conn);
  });

  it('emits create and destroy events until the listener is disposed', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());
    const seen: string[] = [];
    const subscription = pool.on('create', ({ peerId }) => seen.push(`create ${peerId}`));
    pool.on('destroy', ({ peerId }) => seen.push(`destroy ${peerId}`));

    const conn = await pool.acquire('a');
    pool.destroy('a', conn);
    subscription.dispose();
    subscription.dispose();
    await pool.use('a', () => undefined);

    expect(seen).toEqual(['create a', 'destroy a']);
  });

  it('rejects a use() callback that is not a function before acquiring anything', async () => {
    const factory = fakeFactory();
    const pool = new PeerPool<FakeConn>(factory);

    await expect(pool.use('a', 'nope' as never)).rejects.toThrow(/fn must be a function/);
    expect(factory.create).not.toHaveBeenCalled();
  });

  it('rejects a peerId that is not a string', async () => {
    const pool = new PeerPool<FakeConn>(fakeFactory());

    await expect(pool.acquire(42 as unknown as string)).rejects.toThrow(TypeError);
  });

  it('arms no acquire timer for a hit, and one for an acquire that has to wait', async () => {
    const { create, destroy } = fakeFactory();
    const pool = new PeerPool<FakeConn>({ create, destroy, maxPerPeer: 1, idleTimeoutMs: 0 });
    const conn = await pool.acquire('a');
    pool.release('a', conn);
    await settle();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');

    const hit = await pool.acquire('a');
    const timersForHit = setTimeoutSpy.mock.calls.length;
    const waiting = pool.acquire('a');
    const timersForWait = setTimeoutSpy.mock.calls.length - timersForHit;
    pool.release('a', hit);
    await waiting;

    expect(timersForHit).toBe(0);
    expect(timersForWait).toBe(1);
  });
});

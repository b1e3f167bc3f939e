import { afterEach, describe, expect, it, vi } from 'vitest';
import { AcquireTimeoutError, PeerPool, type PeerPoolOptions, systemClock } from '../src/index.js';
import { FakeClock, FakeConn } from './helpers.js';

// An injected clock drives everything here: no fake timers are installed, so a timer the pool
// set through the globals would never fire in these tests.

const never = <T>() => new Promise<T>(() => undefined);

function poolOn(clock: FakeClock, options: Partial<PeerPoolOptions<FakeConn>> = {}) {
  return new PeerPool<FakeConn>({
    create: (peerId) => new FakeConn(peerId),
    destroy: () => undefined,
    idleTimeoutMs: 0,
    clock,
    ...options,
  });
}

describe('the clock option', () => {
  it('times an acquire on the injected clock', async () => {
    const clock = new FakeClock();
    const pool = poolOn(clock, { create: never, acquireTimeoutMs: 50 });

    const outcome = pool.acquire('p').catch((error: unknown) => error);
    await clock.advance(49);
    expect(pool.stats().pending).toBe(1);
    await clock.advance(1);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
    expect(pool.stats().pending).toBe(0);
  });

  it('keeps a waiting acquire’s timer ref’d, and clears it when the acquire is served', async () => {
    const clock = new FakeClock();
    const pool = poolOn(clock, { maxPerPeer: 1, acquireTimeoutMs: 1_000 });
    const held = await pool.acquire('a');

    const waiting = pool.acquire('a');
    expect(clock.pending()).toEqual([{ ms: 1_000, inMs: 1_000, refd: true }]);
    pool.release('a', held);

    expect(await waiting).toBe(held);
    expect(clock.pending()).toEqual([]);
  });

  it('keeps the backoff wait ref’d while an acquire waits for it, and unrefs it once none does', async () => {
    const clock = new FakeClock();
    const pool = poolOn(clock, {
      create: () => Promise.reject(new Error('ECONNREFUSED')),
      acquireTimeoutMs: 1_000,
      createRetry: { baseDelayMs: 5_000, maxDelayMs: 5_000, jitter: 'none' },
    });

    const outcome = pool.acquire('a').catch((error: unknown) => error);
    await clock.advance(0);
    // The acquire's timeout (1 s) and the backoff wait before the next create (5 s).
    expect(clock.pending()).toEqual([
      { ms: 1_000, inMs: 1_000, refd: true },
      { ms: 5_000, inMs: 5_000, refd: true },
    ]);
    await clock.advance(1_000);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
    expect(clock.pending()).toEqual([{ ms: 4_000, inMs: 4_000, refd: false }]);
  });

  it('unrefs a hung create’s timeout once the acquire waiting for it has timed out', async () => {
    const clock = new FakeClock();
    const pool = poolOn(clock, { create: never, acquireTimeoutMs: 50, createTimeoutMs: 30_000 });

    const outcome = pool.acquire('p').catch((error: unknown) => error);
    await clock.advance(0);
    expect(clock.pending().map((t) => t.refd)).toEqual([true, true]);
    await clock.advance(50);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
    expect(clock.pending()).toEqual([{ ms: 29_950, inMs: 29_950, refd: false }]);
  });

  it('refs a hung destroy’s timeout only while drain() awaits it', async () => {
    const clock = new FakeClock();
    const pool = poolOn(clock, { destroy: never, destroyTimeoutMs: 5_000 });
    const conn = await pool.acquire('a');

    pool.destroy('a', conn);
    await clock.advance(0);
    expect(clock.pending()).toEqual([{ ms: 5_000, inMs: 5_000, refd: false }]);
    const drained = pool.drain();
    await clock.advance(0);
    expect(clock.pending()).toEqual([
      { ms: 5_000, inMs: 5_000, refd: true },
      { ms: 30_000, inMs: 30_000, refd: true }, // drain()'s deadline: the caller awaits it
    ]);
    await clock.advance(5_000);

    await expect(drained).resolves.toBeUndefined();
  });

  it('unrefs the destroy of a connection a create delivers after drain() has finished', async () => {
    const clock = new FakeClock();
    let deliver: (conn: FakeConn) => void = () => undefined;
    const pool = poolOn(clock, {
      create: () => new Promise<FakeConn>((resolve) => (deliver = resolve)),
      destroy: never,
      acquireTimeoutMs: 50,
      createTimeoutMs: 100,
    });
    const timedOut = pool.acquire('a').catch(() => undefined);
    await clock.advance(50);
    await timedOut;
    const drained = pool.drain();
    await clock.advance(50); // the create times out; drain() has nothing left to wait for
    await drained;

    deliver(new FakeConn('a'));
    await clock.advance(0);

    expect(clock.pending()).toEqual([{ ms: 5_000, inMs: 5_000, refd: false }]);
  });

  it('leaves idle connections and the idle sweep unref’d, and refs drain()’s deadline only while it runs', async () => {
    const clock = new FakeClock();
    const pool = poolOn(clock, { idleTimeoutMs: 30_000, idleCheckIntervalMs: 1_000 });
    const conn = await pool.acquire('a');
    pool.release('a', conn);
    await pool.use('b', () => undefined);

    expect(clock.pending()).toEqual([{ ms: 1_000, inMs: 1_000, refd: false }]);
    const held = await pool.acquire('a');
    const drained = pool.drain({ timeoutMs: 60_000 });
    expect(clock.refd()).toBe(1);
    pool.release('a', held);
    await drained;
    expect(clock.refd()).toBe(0);
  });

  it('closes idle connections and idle peers by the injected clock’s time', async () => {
    const clock = new FakeClock();
    const destroy = vi.fn();
    const pool = poolOn(clock, { destroy, idleTimeoutMs: 10_000, idleCheckIntervalMs: 1_000 });
    const evicted: string[] = [];
    pool.on('peerEvicted', ({ peerId, reason }) => evicted.push(`${peerId}:${reason}`));
    const [a1, a2] = [await pool.acquire('a'), await pool.acquire('a')];
    pool.release('a', a1);
    const keepBusy = pool.acquire('b'); // another peer, so the sweep keeps running

    await clock.advance(9_000);
    expect(destroy).not.toHaveBeenCalled();
    await clock.advance(2_000);

    expect(destroy).toHaveBeenCalledWith(a1, 'a');
    expect(pool.peerStats('a')).toMatchObject({ size: 1, borrowed: 1 });
    pool.release('a', a2);
    pool.release('b', await keepBusy);
    await clock.advance(25_000);
    expect(evicted).toEqual(['a:idle', 'b:idle']);
  });

  it('checks idle connections with testWhileIdle on the injected clock', async () => {
    const clock = new FakeClock();
    const pool = poolOn(clock, {
      validate: (conn) => conn.alive,
      testWhileIdle: true,
      idleCheckIntervalMs: 1_000,
    });
    const conn = await pool.acquire('a');
    pool.release('a', conn);
    conn.alive = false;

    await clock.advance(2_000);

    expect(pool.peerStats('a')).toMatchObject({ size: 0, validationFailures: 1 });
  });

  it('rejects a clock without now, setTimeout and clearTimeout', () => {
    expect(() => poolOn({ now: () => 0 } as unknown as FakeClock)).toThrow(/options\.clock/);
  });
});

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns ref’d Node timers and reads Date.now()', () => {
    const handle = systemClock.setTimeout(() => undefined, 1_000) as NodeJS.Timeout;

    expect(handle.hasRef()).toBe(true);
    systemClock.clearTimeout(handle);
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1_000);
  });

  it('follows fake timers installed after it was imported', async () => {
    vi.useFakeTimers();
    const fired = vi.fn();

    systemClock.setTimeout(fired, 100);
    await vi.advanceTimersByTimeAsync(100);

    expect(fired).toHaveBeenCalledTimes(1);
  });
});

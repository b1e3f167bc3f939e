import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CreateFailedError, isPoolError, PeerPool, type PeerPoolOptions } from '../src/index.js';
import { FakeConn, settle } from './helpers.js';

class AuthError extends Error {
  readonly code = 'EAUTH';
}

const refused = () => Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });

function failingPool(options: Partial<PeerPoolOptions<FakeConn>>) {
  const create = vi.fn((): Promise<FakeConn> => Promise.reject(refused()));
  const pool = new PeerPool<FakeConn>({
    create,
    destroy: () => undefined,
    acquireTimeoutMs: 10_000,
    ...options,
    createRetry: { jitter: 'none', ...options.createRetry },
  });
  return { pool, create: options.create ?? create };
}

describe('createRetry.retryOn and createRetry.maxAttempts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails every waiting acquire at once with CreateFailedError when retryOn says no', async () => {
    const error = new AuthError('bad password');
    const create = vi.fn((): Promise<FakeConn> => Promise.reject(error));
    const { pool } = failingPool({
      create,
      maxPerPeer: 1,
      createRetry: { retryOn: (e) => !(e instanceof AuthError) },
    });

    const outcomes = [1, 2, 3].map(() => pool.acquire('db').catch((e: unknown) => e));
    await settle();

    for (const outcome of outcomes) {
      const failed = await outcome;
      expect(failed).toBeInstanceOf(CreateFailedError);
      expect(failed).toMatchObject({
        code: 'ERR_POOL_CREATE_FAILED',
        peerId: 'db',
        reason: 'not-retryable',
        attempts: 1,
        cause: error,
      });
    }
    expect(create).toHaveBeenCalledTimes(1);
    expect(pool.stats()).toMatchObject({ pending: 0, size: 0 });
  });

  it('asks retryOn with the error and the attempt number, retrying while it says yes', async () => {
    let calls = 0;
    const retryOn = vi.fn(() => true);
    const pool = new PeerPool<FakeConn>({
      create: (peerId) =>
        ++calls < 3 ? Promise.reject(new Error(`fail ${calls}`)) : new FakeConn(peerId),
      destroy: () => undefined,
      createRetry: { jitter: 'none', retryOn },
    });

    const acquired = pool.acquire('a');
    await vi.advanceTimersByTimeAsync(300);

    await expect(acquired).resolves.toBeInstanceOf(FakeConn);
    expect(retryOn.mock.calls).toEqual([
      [new Error('fail 1'), 1],
      [new Error('fail 2'), 2],
    ]);
  });

  it('fails the waiting acquires with what retryOn threw', async () => {
    const bug = new TypeError('retryOn bug');
    const { pool } = failingPool({
      createRetry: {
        retryOn: () => {
          throw bug;
        },
      },
    });

    const outcome = pool.acquire('a').catch((e: unknown) => e);
    await settle();

    expect(await outcome).toBe(bug);
  });

  it('tries again for the next acquire after a not-retryable failure, once the backoff wait is over', async () => {
    const { pool, create } = failingPool({ createRetry: { retryOn: () => false } });
    await pool.acquire('a').catch(() => undefined);

    const next = pool.acquire('a').catch((e: unknown) => e);
    await settle();
    expect(create).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(100);

    expect(create).toHaveBeenCalledTimes(2);
    expect(await next).toMatchObject({ code: 'ERR_POOL_CREATE_FAILED', reason: 'not-retryable' });
  });

  it('rejects an acquire after maxAttempts failed attempts instead of waiting out its timeout', async () => {
    const { pool, create } = failingPool({ createRetry: { maxAttempts: 3 } });

    const outcome = pool.acquire('a').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(299);
    expect(create).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    const failed = await outcome;

    expect(isPoolError(failed, 'ERR_POOL_CREATE_FAILED')).toBe(true);
    expect(failed).toMatchObject({ reason: 'max-attempts', attempts: 3, cause: refused() });
    expect((failed as Error).message).toContain('saw 3 attempts fail');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(create).toHaveBeenCalledTimes(3); // nobody waits: no more attempts
  });

  it('counts maxAttempts per acquire, from when it began waiting', async () => {
    const { pool } = failingPool({ createRetry: { maxAttempts: 2 } });
    const settledAt = new Map<string, number>();
    const start = Date.now();
    const track = (name: string) =>
      pool.acquire('a').catch(() => settledAt.set(name, Date.now() - start));

    const first = track('first'); // attempts at 0 and 100
    await vi.advanceTimersByTimeAsync(50);
    const second = track('second'); // sees the attempts at 100 and 300
    await vi.advanceTimersByTimeAsync(300);
    await Promise.all([first, second]);

    expect(Object.fromEntries(settledAt)).toEqual({ first: 100, second: 300 });
  });

  it('counts a new connection failing its first validate toward maxAttempts, without asking retryOn', async () => {
    const retryOn = vi.fn(() => true);
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => new FakeConn(peerId),
      destroy: () => undefined,
      validate: () => false,
      createRetry: { jitter: 'none', maxAttempts: 2, retryOn },
    });

    const outcome = pool.acquire('a').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);

    expect(await outcome).toMatchObject({ reason: 'max-attempts', attempts: 2 });
    expect(retryOn).not.toHaveBeenCalled();
  });
});

import genericPool from 'generic-pool';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRetryDelayMs, defaultCreateRetry } from '../src/backoff.js';
import { AcquireTimeoutError, CreateTimeoutError, PeerPool } from '../src/index.js';
import { FakeConn } from './helpers.js';

/**
 * Attempts a failing create may make within `windowMs` under the backoff, when every wait is
 * `share` of its cap (full jitter with Math.random() fixed at `share`).
 */
function attemptsAllowed(windowMs: number, share: number, retry = defaultCreateRetry): number {
  let attempts = 1;
  let at = 0;
  for (;;) {
    at += createRetryDelayMs(attempts, retry) * share;
    if (at > windowMs) return attempts;
    attempts += 1;
  }
}

/** Macrotask boundary: every microtask queued so far (however many) has run. setImmediate is kept real below. */
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a failing create', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('spins in raw generic-pool: a create that rejects at once is called again without any time passing', async () => {
    let calls = 0;
    const raw = genericPool.createPool(
      {
        // After 1,000 calls it hangs instead, only so that this test can stop the spin.
        create: () =>
          ++calls < 1_000 ? Promise.reject(new Error('refused')) : new Promise(() => {}),
        destroy: async () => undefined,
      },
      { acquireTimeoutMillis: 1_000 },
    );

    const acquired = raw.acquire().catch((error: unknown) => error);
    await macrotask();

    expect(calls).toBe(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await acquired).toMatchObject({ name: 'TimeoutError' });
  });

  it('is retried with backoff, and the acquire ends with AcquireTimeoutError within its timeout', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // full jitter: every wait is half its cap
    const create = vi.fn((): FakeConn => {
      throw new Error('ECONNREFUSED');
    });
    const pool = new PeerPool<FakeConn>({
      create,
      destroy: () => undefined,
      acquireTimeoutMs: 1_000,
    });

    const outcome = pool.acquire('db-1').catch((error: unknown) => error);
    await macrotask();
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await outcome;

    expect(error).toBeInstanceOf(AcquireTimeoutError);
    expect(error).toMatchObject({
      peerId: 'db-1',
      timeoutMs: 1_000,
      code: 'ERR_POOL_ACQUIRE_TIMEOUT',
    });
    expect((error as Error).message).toContain('The last create failed: ECONNREFUSED');
    expect((error as Error).cause).toEqual(new Error('ECONNREFUSED'));
    expect(create.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(create.mock.calls.length).toBeLessThanOrEqual(attemptsAllowed(1_000, 0.5));
  });

  it('follows the backoff schedule exactly without jitter: attempts at 0, 100, 300 and 700 ms', async () => {
    const attemptsAt: number[] = [];
    const start = Date.now();
    const pool = new PeerPool<FakeConn>({
      create: () => {
        attemptsAt.push(Date.now() - start);
        return Promise.reject(new Error('ECONNREFUSED'));
      },
      destroy: () => undefined,
      acquireTimeoutMs: 1_000,
      createRetry: { baseDelayMs: 100, multiplier: 2, jitter: 'none' },
    });

    const outcome = pool.acquire('db-1').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
    expect(attemptsAt).toEqual([0, 100, 300, 700]);
  });

  it('makes one attempt per backoff window however many acquires wait', async () => {
    const create = vi.fn((): FakeConn => {
      throw new Error('ECONNREFUSED');
    });
    const pool = new PeerPool<FakeConn>({
      create,
      destroy: () => undefined,
      maxPerPeer: 10,
      acquireTimeoutMs: 1_000,
      createRetry: { jitter: 'none' },
    });

    const outcomes = Array.from({ length: 10 }, () => pool.acquire('a').catch((e: unknown) => e));
    await vi.advanceTimersByTimeAsync(1_000);

    for (const outcome of outcomes) expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
    // generic-pool starts one create per waiter at once; after that, one per window.
    expect(create).toHaveBeenCalledTimes(10 + 3);
  });

  it('stops creating once nobody waits for the connection', async () => {
    const create = vi.fn((): FakeConn => {
      throw new Error('ECONNREFUSED');
    });
    const pool = new PeerPool<FakeConn>({
      create,
      destroy: () => undefined,
      acquireTimeoutMs: 1_000,
    });
    const outcome = pool.acquire('a').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    await outcome;
    const callsAtTimeout = create.mock.calls.length;

    await vi.advanceTimersByTimeAsync(60_000);

    expect(create).toHaveBeenCalledTimes(callsAtTimeout);
    expect(pool.stats()).toMatchObject({ size: 0, pending: 0 });
  });

  it('hands out the connection once a retry succeeds', async () => {
    let calls = 0;
    const pool = new PeerPool<FakeConn>({
      create: async (peerId) => {
        calls += 1;
        if (calls < 3) throw new Error('ECONNRESET');
        return new FakeConn(peerId);
      },
      destroy: () => undefined,
      acquireTimeoutMs: 1_000,
      createRetry: { jitter: 'none' },
    });
    const errors: number[] = [];
    pool.on('createError', ({ failures, retryInMs }) => errors.push(failures * 1_000 + retryInMs));

    const acquired = pool.acquire('a');
    await vi.advanceTimersByTimeAsync(300);

    await expect(acquired).resolves.toBeInstanceOf(FakeConn);
    expect(errors).toEqual([1_100, 2_200]);
    expect(pool.stats()).toMatchObject({ creates: 1, createErrors: 2, misses: 1 });
  });

  it('counts a create that hangs past createTimeoutMs as failed and destroys what it delivers late', async () => {
    const late = new FakeConn('a');
    const destroy = vi.fn();
    let calls = 0;
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => {
        calls += 1;
        if (calls === 1) return new Promise((resolve) => setTimeout(() => resolve(late), 800));
        return new FakeConn(peerId);
      },
      destroy,
      acquireTimeoutMs: 2_000,
      createTimeoutMs: 500,
      createRetry: { jitter: 'none' },
    });
    const createErrors: unknown[] = [];
    pool.on('createError', ({ error }) => createErrors.push(error));

    const acquired = pool.acquire('a');
    await vi.advanceTimersByTimeAsync(1_000);

    const conn = await acquired;
    expect(conn).not.toBe(late);
    expect(createErrors[0]).toBeInstanceOf(CreateTimeoutError);
    expect(destroy).toHaveBeenCalledWith(late, 'a');
  });
});

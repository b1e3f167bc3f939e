import genericPool from 'generic-pool';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireIdle, type GenericPool } from '../src/generic-pool.js';

/** A stand-in for a generic-pool whose internals changed shape; only what acquireIdle touches. */
function changedPool(options: { config?: object; queues: boolean }) {
  let lend: (conn: object) => void = () => undefined;
  let pending = 0;
  const pool = {
    _config: options.config,
    get pending() {
      return pending;
    },
    acquire: vi.fn(() => {
      if (!options.queues) return Promise.resolve({ lent: 'at once' });
      pending += 1;
      return new Promise<object>((resolve) => {
        lend = (conn) => {
          pending -= 1;
          resolve(conn);
        };
      });
    }),
    release: vi.fn(() => Promise.resolve()),
  };
  return { pool, fake: pool as unknown as GenericPool<object>, lend: (conn: object) => lend(conn) };
}

describe('the timer-free hit path (acquireIdle)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('restores the acquire timeout after a hit, so a later waiting acquire still times out', async () => {
    const pool = genericPool.createPool(
      { create: async () => ({}), destroy: async () => undefined },
      { max: 1, acquireTimeoutMillis: 500 },
    ) as unknown as GenericPool<object>;
    const first = await pool.acquire();
    await pool.release(first);

    const hit = await acquireIdle(pool, 500);
    const waiting = pool.acquire().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);

    expect(hit).toBe(first);
    expect(await waiting).toMatchObject({ name: 'TimeoutError' });
  });

  it('falls back to a plain acquire when generic-pool has no _config', async () => {
    const { pool, fake } = changedPool({ queues: false });

    await expect(acquireIdle(fake, 500)).resolves.toEqual({ lent: 'at once' });
    expect(pool.acquire).toHaveBeenCalledTimes(1);
  });

  it('still ends by the timeout if generic-pool queues the request instead of lending at once', async () => {
    const { fake } = changedPool({ config: { acquireTimeoutMillis: 500 }, queues: true });

    const outcome = acquireIdle(fake, 500).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);

    expect(await outcome).toMatchObject({ name: 'TimeoutError' });
  });

  it('gives a connection lent after that timeout back to the pool instead of leaking it', async () => {
    const { pool, fake, lend } = changedPool({
      config: { acquireTimeoutMillis: 500 },
      queues: true,
    });
    const outcome = acquireIdle(fake, 500).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(500);
    await outcome;

    const late = { late: true };
    lend(late);
    await vi.advanceTimersByTimeAsync(0);

    expect(pool.release).toHaveBeenCalledWith(late);
  });
});

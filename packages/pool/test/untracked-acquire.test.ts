import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AcquireTimeoutError, PeerPool } from '../src/index.js';
import { FakeConn } from './helpers.js';

// As if a generic-pool upgrade stopped queueing requests through the class the pool plugs in:
// the pool then cannot see (or cancel) a waiting request, and must still bound the acquire.
vi.mock('../src/generic-pool.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/generic-pool.js')>();
  return {
    ...original,
    createGenericPool: ((hooks, factory, config) =>
      original.createGenericPool(
        { ...hooks, queued: () => undefined },
        factory,
        config,
      )) satisfies typeof original.createGenericPool,
  };
});

describe('an acquire whose request the pool does not see queued', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('still ends by its timeout', async () => {
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => new FakeConn(peerId),
      destroy: () => undefined,
      maxPerPeer: 1,
      acquireTimeoutMs: 500,
    });
    await pool.acquire('a');

    const outcome = pool.acquire('a').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);

    expect(await outcome).toBeInstanceOf(AcquireTimeoutError);
  });

  it('gives a connection lent after that timeout back to the pool instead of leaking it', async () => {
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => new FakeConn(peerId),
      destroy: () => undefined,
      maxPerPeer: 1,
      acquireTimeoutMs: 500,
    });
    const held = await pool.acquire('a');
    const outcome = pool.acquire('a').catch(() => undefined);
    await vi.advanceTimersByTimeAsync(500);
    await outcome;

    pool.release('a', held); // generic-pool lends it to the request that timed out
    await vi.advanceTimersByTimeAsync(0);

    expect(pool.peerStats('a')).toMatchObject({ borrowed: 0, available: 1 });
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  borrowedResources,
  cancelRequest,
  canRunEviction,
  createGenericPool,
  type GenericPoolHooks,
  type PooledResource,
  REQUEST_FULFILLED,
  REQUEST_PENDING,
  RequestCancelled,
  type ResourceRequest,
  runEviction,
} from '../src/generic-pool.js';
import { AcquireTimeoutError, PeerPool } from '../src/index.js';
import { FakeClock, FakeConn } from './helpers.js';

// The pool relies on a few generic-pool internals (3.9); these tests guard their shape, so an
// upgrade that changes them fails here rather than as a hang somewhere else.

function plainPool(max: number, hooks: Partial<GenericPoolHooks<object>> = {}) {
  const queued: ResourceRequest[] = [];
  const idled: PooledResource<object>[] = [];
  const pool = createGenericPool<object>(
    {
      evict: () => false,
      idled: (resource) => idled.push(resource),
      queued: (request) => queued.push(request),
      ...hooks,
    },
    { create: async () => ({}), destroy: async () => undefined },
    {
      max,
      min: 0,
      testOnBorrow: false,
      fifo: false,
      autostart: true,
      evictionRunIntervalMillis: 0,
      numTestsPerEvictionRun: max,
      softIdleTimeoutMillis: -1,
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
    },
  );
  return { pool, queued, idled };
}

describe('generic-pool as the pool drives it', () => {
  it('queues every acquire through the plugged-in queue, lent at once when one is idle', async () => {
    const { pool, queued } = plainPool(1);
    const first = await pool.acquire();
    await pool.release(first);

    const hit = pool.acquire();

    expect(queued).toHaveLength(2);
    expect(queued[1]?.state).toBe(REQUEST_FULFILLED);
    expect(await hit).toBe(first);
  });

  it('leaves a request that has to wait pending, and drops it from its queue when cancelled', async () => {
    const { pool, queued } = plainPool(1);
    await pool.acquire();

    const waiting = pool.acquire().catch((error: unknown) => error);
    const request = queued[1] as ResourceRequest;
    expect(request.state).toBe(REQUEST_PENDING);
    expect(pool.pending).toBe(1);
    cancelRequest(request, 'gave up');
    const error = await waiting;

    expect(error).toBeInstanceOf(RequestCancelled);
    expect((error as RequestCancelled).reason).toBe('gave up');
    expect(pool.pending).toBe(0);
  });

  it('reports each resource that becomes idle, and lists the borrowed ones', async () => {
    const { pool, idled } = plainPool(2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    await pool.release(a);

    expect(idled.map((resource) => resource.obj)).toEqual([a, b, a]);
    expect(borrowedResources(pool)).toEqual([b]);
  });

  it('runs an eviction pass on demand, through the plugged-in evictor', async () => {
    const evict = vi.fn(() => true);
    const { pool } = plainPool(1, { evict });
    await pool.release(await pool.acquire());

    expect(canRunEviction).toBe(true);
    runEviction(pool);

    expect(evict).toHaveBeenCalledTimes(1);
    expect(pool.available).toBe(0);
  });
});

describe('the timer-free hit path', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('arms no timer for an acquire lent at once', async () => {
    const clock = new FakeClock();
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => new FakeConn(peerId),
      destroy: () => undefined,
      idleTimeoutMs: 0,
      clock,
    });
    pool.release('a', await pool.acquire('a'));
    const timersSet = clock.timersSet;

    const hit = await pool.acquire('a');

    expect(hit).toBeInstanceOf(FakeConn);
    expect(clock.timersSet).toBe(timersSet);
  });

  it('still times out a waiting acquire that comes after a hit', async () => {
    const pool = new PeerPool<FakeConn>({
      create: (peerId) => new FakeConn(peerId),
      destroy: () => undefined,
      maxPerPeer: 1,
      acquireTimeoutMs: 500,
    });
    pool.release('a', await pool.acquire('a'));

    const hit = await pool.acquire('a');
    const waiting = pool.acquire('a').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);

    expect(hit).toBeInstanceOf(FakeConn);
    expect(await waiting).toBeInstanceOf(AcquireTimeoutError);
  });
});

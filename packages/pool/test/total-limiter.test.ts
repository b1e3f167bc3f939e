import { describe, expect, it, vi } from 'vitest';
import { TotalLimiter } from '../src/total-limiter.js';

const claimant = (wants = true) => ({ wantsConnection: wants });

describe('TotalLimiter', () => {
  it('grants slots up to max at once', () => {
    const limiter = new TotalLimiter(2, vi.fn());

    expect([limiter.reserve(claimant()), limiter.reserve(claimant())]).toEqual([true, true]);
    expect(limiter.used).toBe(2);
  });

  it('asks for a reclaim and queues the claimant at the limit', () => {
    const reclaim = vi.fn();
    const limiter = new TotalLimiter(1, reclaim);
    limiter.reserve(claimant());
    const waiting = claimant();

    const granted = limiter.reserve(waiting);

    expect(granted).toBeInstanceOf(Promise);
    expect(reclaim).toHaveBeenCalledWith(waiting);
    expect(limiter.waiting).toBe(1);
  });

  it('hands a released slot straight to the first waiter that still wants it', async () => {
    const limiter = new TotalLimiter(1, vi.fn());
    limiter.reserve(claimant());
    const gone = limiter.reserve(claimant(false));
    const wanting = limiter.reserve(claimant(true));

    limiter.release();

    await expect(gone).resolves.toBe(false);
    await expect(wanting).resolves.toBe(true);
    expect(limiter.used).toBe(1);
  });

  it('frees the slot when no waiter wants it', () => {
    const limiter = new TotalLimiter(1, vi.fn());
    limiter.reserve(claimant());

    limiter.release();

    expect(limiter.used).toBe(0);
  });

  it('refuses the queued slots of a claimant that stopped wanting them, and only those', async () => {
    const limiter = new TotalLimiter(1, vi.fn());
    limiter.reserve(claimant());
    const closing = claimant(true);
    const other = claimant(true);
    const closingSlot = limiter.reserve(closing);
    limiter.reserve(other);

    limiter.cancel(closing); // still wants: nothing happens
    expect(limiter.waiting).toBe(2);
    closing.wantsConnection = false;
    limiter.cancel(closing);

    await expect(closingSlot).resolves.toBe(false);
    expect(limiter.waiting).toBe(1);
  });
});

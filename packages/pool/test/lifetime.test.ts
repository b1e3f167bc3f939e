import { describe, expect, it } from 'vitest';
import { PeerPool } from '../src/index.js';
import { fakeFactory } from './helpers.js';

// Real timers on purpose: the question is what Node itself counts as keeping the process alive.
const refedTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('process lifetime', () => {
  it('keeps the process alive with none of its timers once acquires have settled', async () => {
    const before = refedTimers();
    const pool = new PeerPool({
      ...fakeFactory(),
      idleTimeoutMs: 60_000,
      idleCheckIntervalMs: 1_000,
      testWhileIdle: true,
      minPerPeer: 1,
    });

    await pool.use('a', () => undefined);
    await pool.use('b', () => undefined);

    // Armed now: the idle sweep, one idle check per peer, validation timers; all unref'd.
    expect(refedTimers()).toBe(before);
    await pool.drain();
  });

  it('keeps the process alive while an awaited drain() waits for a borrowed connection, and no longer once it is done', async () => {
    const before = refedTimers();
    const pool = new PeerPool(fakeFactory());
    const conn = await pool.acquire('a');

    const draining = pool.drain({ timeoutMs: 60_000 });

    // The deadline guards the drain its caller awaits: one ref'd timer, cleared when it ends.
    expect(refedTimers()).toBe(before + 1);
    pool.release('a', conn);
    await draining;
    expect(refedTimers()).toBe(before);
  });
});

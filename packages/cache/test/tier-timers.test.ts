import { afterEach, describe, expect, it } from 'vitest';
import { Cache, DiskStore } from '../src/index.js';
import { HangingStore, manualClock, tempDir } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A clock that counts the timers set through it. */
function countingClock() {
  const clock = manualClock();
  let set = 0;
  return {
    clock: {
      ...clock,
      setTimeout: (callback: () => void, ms: number) => {
        set++;
        return clock.setTimeout(callback, ms);
      },
    },
    timersSet: () => set,
    advance: (ms: number) => clock.advance(ms),
  };
}

describe('tier timeouts', () => {
  it('sets no timer for a disk-tier read (LMDB reads are done before they return)', async () => {
    const { dir, remove } = tempDir();
    const { clock, timersSet } = countingClock();
    const store = new DiskStore({ dir, clock, sweepIntervalMs: 0 });
    const cache = new Cache({ stores: [store], clock });
    cleanups.push(remove, () => cache.close());

    expect(await cache.get('missing')).toBeUndefined();
    expect(timersSet()).toBe(0);
  });

  it('still times out a read of a tier that answers later', async () => {
    const { clock, timersSet, advance } = countingClock();
    const cache = new Cache({ stores: [new HangingStore()], clock, tierTimeoutMs: 50 });
    const errors: unknown[] = [];
    cache.on('error', (error) => errors.push(error));

    const read = cache.get('k');
    await new Promise((resolve) => setImmediate(resolve));
    expect(timersSet()).toBe(1);
    advance(50);

    expect(await read).toBeUndefined();
    expect(errors).toMatchObject([{ code: 'ERR_CACHE_TIER_TIMEOUT' }]);
  });
});

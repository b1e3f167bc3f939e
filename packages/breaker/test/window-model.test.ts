import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountWindow } from '../src/count-window.js';
import { TimeWindow } from '../src/time-window.js';

// The ring buffers are checked against the obvious model: a plain list of every call, filtered.
const never = { failureRateThreshold: 1, slowCallRateThreshold: 1, minimumCalls: 1e9 };

describe('window ring buffers match a plain list of calls', () => {
  it('count window holds exactly the last `size` calls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { maxLength: 100 }),
        (size, calls) => {
          const window = new CountWindow(size, never);

          for (const [failed, slow] of calls) window.record(failed, slow);

          const kept = calls.slice(-size);
          expect(window.counts()).toEqual({
            calls: kept.length,
            failures: kept.filter(([failed]) => failed).length,
            slowCalls: kept.filter(([, slow]) => slow).length,
          });
        },
      ),
    );
  });

  it('time window holds the calls of the buckets within `durationMs`', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 700 }), fc.boolean()), { maxLength: 80 }),
        (buckets, calls) => {
          const durationMs = 1_200;
          const bucketMs = durationMs / buckets;
          const window = new TimeWindow(durationMs, buckets, never);
          let now = 50_000;
          const log: Array<{ bucket: number; failed: boolean }> = [];

          for (const [stepMs, failed] of calls) {
            now += stepMs;
            window.record(failed, false, now);
            log.push({ bucket: Math.floor(now / bucketMs), failed });
          }

          const newest = Math.floor(now / bucketMs);
          const kept = log.filter((call) => call.bucket > newest - buckets);
          expect(window.counts(now)).toEqual({
            calls: kept.length,
            failures: kept.filter((call) => call.failed).length,
            slowCalls: 0,
          });
        },
      ),
    );
  });

  it('time window survives toJSON and restore unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.boolean()), { maxLength: 50 }),
        (calls) => {
          const window = new TimeWindow(1_000, 7, never);
          let now = 10_000;
          for (const [stepMs, failed] of calls) {
            now += stepMs;
            window.record(failed, false, now);
          }

          const restored = new TimeWindow(1_000, 7, never);
          restored.restore(JSON.parse(JSON.stringify(window.toJSON())), now);

          expect(restored.counts(now)).toEqual(window.counts(now));
          expect(restored.counts(now + 500)).toEqual(window.counts(now + 500));
        },
      ),
    );
  });
});

import { z } from 'zod';

// Tools for the protocol-era matrix (test/eras.e2e.test.ts): progress, and calls that wait for
// the test (release, or a cancellation), with no timer of their own.
const held = [];

export default {
  tools: [
    {
      name: 'count',
      description: 'Reports progress 1..n, then (with wait) waits for release, then answers n',
      input: z.object({ n: z.number().int().min(1).max(10), wait: z.boolean().optional() }),
      run: async ({ n, wait }, ctx) => {
        for (let i = 1; i <= n; i++) ctx.onProgress?.({ progress: i, total: n });
        // A client may handle a notification after a response that arrived with it: waiting
        // until the test saw the progress keeps the answer from overtaking it.
        if (wait) await new Promise((resolve) => held.push(resolve));
        return { n };
      },
    },
    {
      name: 'release',
      description: 'Lets every waiting count call answer',
      input: z.object({}),
      run: () => {
        const released = held.splice(0);
        for (const resolve of released) resolve();
        return { released: released.length };
      },
    },
    {
      name: 'hold',
      description: 'Reports progress once, then runs until cancelled',
      input: z.object({}),
      run: (_params, ctx) =>
        new Promise((_resolve, reject) => {
          const stop = () => reject(ctx.signal.reason ?? new Error('cancelled'));
          if (ctx.signal.aborted) return stop();
          ctx.signal.addEventListener('abort', stop, { once: true });
          ctx.onProgress?.({ progress: 1, message: 'holding' });
        }),
    },
  ],
};

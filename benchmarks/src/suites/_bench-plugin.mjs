/**
 * x-server plugin category of the hot-path suite (config `plugins: [{ name: 'bench', module }]`):
 * the same tools `_bare-server.mjs` serves, as x-server tools.
 *   work        read-only + idempotent (cached): waits `ms` (1 by default), answers { n }
 *   lookup      read-only + idempotent (cached): waits `ms`, counts its executions
 *   executions  how many times `lookup` ran in this process
 */
import { z } from 'zod';

let executions = 0;
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const cached = { readOnlyHint: true, idempotentHint: true };

export default {
  tools: [
    {
      name: 'work',
      description: 'Takes ms (1 by default), then answers n (cached)',
      input: z.object({ n: z.number(), ms: z.number().int().min(0).max(1000).optional() }),
      hints: cached,
      run: async ({ n, ms }) => {
        await wait(ms ?? 1);
        return { n };
      },
    },
    {
      name: 'lookup',
      description: 'Takes ms, then answers key; counts its executions (cached)',
      input: z.object({ key: z.string(), ms: z.number().int().min(0).max(1000) }),
      hints: cached,
      run: async ({ key, ms }) => {
        executions++;
        await wait(ms);
        return { key };
      },
    },
    {
      name: 'executions',
      description: 'How many times lookup ran',
      input: z.object({}),
      run: () => ({ executions }),
    },
  ],
};

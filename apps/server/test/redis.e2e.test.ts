import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { connectHttp, NODE_ARGS, ok, workdir } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL;
const SKIPPED_BECAUSE =
  'SKIPPED because REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379; CI sets it)';
// Said at collection time too: the default reporter names a skipped file, not its suites.
if (!REDIS_URL) console.warn(`x-server Redis e2e test ${SKIPPED_BECAUSE}`);

function listening(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`x-server exited ${code}: ${stderr}`)));
  });
}

// Many machines: N stateless instances behind a load balancer share one Redis cache tier.
describe.skipIf(!REDIS_URL)(
  `two x-server processes sharing Redis${REDIS_URL ? '' : ` — ${SKIPPED_BECAUSE}`}`,
  () => {
    const children: ChildProcessWithoutNullStreams[] = [];
    const clients: Client[] = [];

    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
      await Promise.all(
        children.splice(0).map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    });

    async function instance(namespace: string): Promise<Client> {
      const dir = await workdir();
      const child = spawn(
        process.execPath,
        [...NODE_ARGS, '--http', '--port', '0', '--stateless', '--redis', REDIS_URL!],
        {
          cwd: dir,
          env: {
            ...process.env,
            X_SERVER_CACHE_NAMESPACE: namespace,
            // The default cache and state folders, inside the scratch directory.
            XDG_CACHE_HOME: join(dir, 'cache'),
            XDG_STATE_HOME: join(dir, 'state'),
          },
        },
      );
      children.push(child);
      const client = await connectHttp(await listening(child));
      clients.push(client);
      return client;
    }

    it('serves a result cached through one instance as a hit through the other', async () => {
      // A namespace of this run only, so no earlier run's entries can answer.
      const namespace = `x-server-test-${randomUUID()}`;
      const [first, second] = await Promise.all([instance(namespace), instance(namespace)]);
      const args = { category: 'demo', tool: 'echo', params: { value: namespace } };

      const viaFirst = ok<{ cached: boolean; result: unknown }>(
        await first!.callTool({ name: 'dispatch', arguments: args }),
      );
      // The first instance writes Redis behind its answer (write-behind lower tiers): once its
      // queue is out, the second one's lookup must find the entry.
      await expect
        .poll(
          async () =>
            ok<{ stats: { cache: { pendingWrites: number } } }>(
              await first!.callTool({ name: 'server_stats', arguments: {} }),
            ).stats.cache.pendingWrites,
          { timeout: 10_000 },
        )
        .toBe(0);
      const viaSecond = ok<{ cached: boolean; result: unknown }>(
        await second!.callTool({ name: 'dispatch', arguments: args }),
      );

      expect(viaFirst).toMatchObject({ cached: false, result: { value: namespace } });
      expect(viaSecond).toMatchObject({ cached: true, result: { value: namespace } });
      // Two processes started from source: seconds each on a busy machine.
    }, 90_000);
  },
);

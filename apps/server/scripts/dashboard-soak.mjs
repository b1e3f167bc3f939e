#!/usr/bin/env node
// The dashboard's memory check: x-server (the built dist/) under a steady load of MCP calls and
// workflow runs, with the dashboard page open in headless chromium the whole time. Prints the
// heap (after a full GC) every 30 s: it must stay flat once warm.
// Usage (after `pnpm --filter @x/server build`):
//   node --expose-gc apps/server/scripts/dashboard-soak.mjs [--seconds 300] [--concurrency 4]
// Traffic goes to 127.0.0.1 only; the run is bounded in time and stops by itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { chromium } from 'playwright-core';
import { parseConfig, XServer } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '20' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const warmupSeconds = Number(values.warmup);
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc: heap figures are taken after a full GC');
  process.exit(2);
}

const heapMiB = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const dir = await mkdtemp(join(tmpdir(), 'x-dashboard-soak-'));
const token = 'soak-token-0123456789';
const config = parseConfig({
  http: { port: 0, token },
  builtins: ['demo', 'text'],
  cache: { dir: join(dir, 'cache') },
  telemetry: { dir: join(dir, 'telemetry') },
  breaker: { failureThreshold: 50, recoveryTimeoutMs: 2_000 },
});
const app = await XServer.create({ config });
const { url } = await app.serveHttp();
const base = url.replace(/\/mcp$/, '');

const profile = await mkdtemp(join(tmpdir(), 'x-dashboard-soak-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = context.pages()[0] ?? (await context.newPage());
await page.goto(`${base}/?token=${token}`);
await page.waitForSelector('[data-category="demo"]');

const client = new Client({ name: 'soak', version: '1.0.0' });
await client.connect(
  new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: new Headers({ authorization: `Bearer ${token}` }) },
  }),
);

let calls = 0;
let failed = 0;
let runs = 0;
const deadline = Date.now() + (warmupSeconds + seconds) * 1000;
const callOnce = async (i) => {
  const pick = i % 10;
  const args =
    pick < 4
      ? { category: 'demo', tool: 'echo', params: { value: i % 50 } }
      : pick < 8
        ? { category: 'text', tool: 'hash', params: { text: `payload ${i}` } }
        : { category: 'demo', tool: 'flaky', params: { failureRate: 0.3 } };
  const result = await client.callTool({ name: 'dispatch', arguments: args });
  calls++;
  if (result.isError) failed++;
};
const worker = async (offset) => {
  for (let i = offset; Date.now() < deadline; i += concurrency) await callOnce(i);
};
const workflows = async () => {
  while (Date.now() < deadline) {
    await client.callTool({
      name: 'workflow_run',
      arguments: {
        steps: [
          { id: 'a', category: 'text', tool: 'hash', params: { text: `run ${runs}` } },
          { id: 'b', category: 'demo', tool: 'echo', params: { value: runs }, needs: ['a'] },
        ],
      },
    });
    runs++;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
};

const load = Promise.all([
  ...Array.from({ length: concurrency }, (_, k) => worker(k)),
  workflows(),
]);
await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
const start = heapMiB();
const samples = [start];
console.log(`warm after ${warmupSeconds} s: heap ${start.toFixed(1)} MiB, ${calls} calls so far`);
const sampler = setInterval(() => {
  const heap = heapMiB();
  samples.push(heap);
  console.log(
    `t+${(samples.length - 1) * 30} s: heap ${heap.toFixed(1)} MiB, calls ${calls}, stream ${JSON.stringify(app.dashboard.stream.stats())}`,
  );
}, 30_000);
await load;
clearInterval(sampler);
const end = heapMiB();
const rows = await page.locator('[data-tool]').count();
console.log(
  JSON.stringify(
    {
      seconds,
      concurrency,
      calls,
      failed,
      workflowRuns: runs,
      callsPerSecond: Math.round(calls / (seconds + warmupSeconds)),
      heapMiB: {
        afterWarmup: +start.toFixed(1),
        end: +end.toFixed(1),
        max: +Math.max(...samples, end).toFixed(1),
      },
      stream: app.dashboard.stream.stats(),
      pageToolRows: rows,
    },
    null,
    2,
  ),
);
await client.close();
await context.close();
await app.close();
await rm(profile, { recursive: true, force: true });
await rm(dir, { recursive: true, force: true });

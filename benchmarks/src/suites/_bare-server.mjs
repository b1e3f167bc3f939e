#!/usr/bin/env node
/**
 * The bare SDK 2 server of the server benchmarks: the smallest server a user would write with
 * `@modelcontextprotocol/server` 2.x, serving one trivial tool. An McpServer comes from a factory;
 * over HTTP `createMcpHandler` serves it (2026-07-28 per request, 2025-era traffic through its
 * default stateless legacy fallback) behind `toNodeHandler`; over stdio `serveStdio` serves the era
 * the client opens with.
 *
 *   node _bare-server.mjs --stdio
 *   node _bare-server.mjs --http      (listens on 127.0.0.1, a free port; prints its URL on stdout)
 *   add --modern-only to reject 2025-era traffic (`legacy: 'reject'`): a 2026-07-28-only peer
 *
 * Plain JavaScript so it starts as fast as a user's server would (no TypeScript loader).
 */
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const echoInput = z.object({ value: z.unknown() });
const workInput = z.object({ n: z.number(), ms: z.number().int().min(0).max(1000).optional() });
const lookupInput = z.object({ key: z.string(), ms: z.number().int().min(0).max(1000) });
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value) => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });
// How many times `lookup` ran in this process (the coalescing workload reads it).
let executions = 0;

/**
 * The per-request (HTTP) or per-connection (stdio) server: the trivial `echo` tool of the
 * per-call workloads, and the hot-path suite's tools (the same as its x-server plugin's):
 * `work` takes `ms` (1 by default); `lookup` takes `ms` and counts its executions, read with
 * `executions`.
 */
export function createBareServer() {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echo a value', inputSchema: echoInput },
    ({ value }) => text({ value }),
  );
  server.registerTool(
    'work',
    { description: 'Takes ms (1 by default), then answers n', inputSchema: workInput },
    async ({ n, ms }) => {
      await wait(ms ?? 1);
      return text({ n });
    },
  );
  server.registerTool(
    'lookup',
    { description: 'Takes ms, then answers key', inputSchema: lookupInput },
    async ({ key, ms }) => {
      executions++;
      await wait(ms);
      return text({ key });
    },
  );
  server.registerTool(
    'executions',
    { description: 'How many times lookup ran', inputSchema: z.object({}) },
    () => text({ executions }),
  );
  return server;
}

async function main(mode, modernOnly) {
  if (mode === '--stdio') {
    serveStdio(createBareServer, { legacy: modernOnly ? 'reject' : 'serve' });
    return;
  }
  if (mode !== '--http') {
    throw new Error(`usage: _bare-server.mjs --stdio | --http [--modern-only] (got ${mode})`);
  }
  const handler = createMcpHandler(createBareServer, {
    legacy: modernOnly ? 'reject' : 'stateless',
  });
  const server = createServer(toNodeHandler(handler));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}/mcp\n`);
  const stop = () => {
    server.closeAllConnections();
    server.close(() => void handler.close().finally(() => process.exit(0)));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2], process.argv.includes('--modern-only')).catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exitCode = 2;
  });
}

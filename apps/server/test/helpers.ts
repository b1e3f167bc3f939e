import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CallToolResult,
  Client,
  StreamableHTTPClientTransport,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { onTestFinished } from 'vitest';
import { parseConfig, type XServerConfigInput } from '../src/config/index.js';
import { XServer } from '../src/server.js';
import type { HttpTransport } from '../src/transport/index.js';

export const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
/** Node args that run the CLI from source (tsx resolved here, as the child's cwd is a temp dir). */
export const NODE_ARGS = ['--import', import.meta.resolve('tsx'), CLI];

/**
 * Runs `close` when the current test finishes, passed or failed, so a failing test leaves no
 * server, client or child process behind. Outside a test (in `beforeAll`) the caller's own
 * `afterAll` closes instead.
 */
export function closeAfterTest(close: () => Promise<unknown> | unknown): void {
  try {
    onTestFinished(async () => {
      await close();
    });
  } catch {
    // Not inside a test: the suite's afterAll is in charge.
  }
}

/** A scratch working directory with an fs root holding one file. */
export async function workdir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'x-server-test-'));
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files', 'hello.txt'), 'hello from the fs root');
  return dir;
}

export async function testConfig(dir: string, input: XServerConfigInput = {}) {
  const config = parseConfig({
    ...input,
    http: { port: 0, ...input.http },
    fs: { root: join(dir, 'files') },
    cache: { dir: join(dir, 'cache'), ...input.cache },
    telemetry: { dir: join(dir, 'telemetry'), flushIntervalMs: 60_000, ...input.telemetry },
    shutdownGraceMs: input.shutdownGraceMs ?? 2_000,
  });
  return config;
}

export interface HttpHarness {
  app: XServer;
  http: HttpTransport;
  url: string;
  base: string;
  dir: string;
  close(): Promise<void>;
}

export async function startHttp(input: XServerConfigInput = {}): Promise<HttpHarness> {
  const dir = await workdir();
  const config = await testConfig(dir, input);
  const app = await XServer.create({ config });
  closeAfterTest(() => app.close());
  const { url, transport: http } = await app.serveHttp();
  return {
    app,
    http,
    url,
    base: url.replace(/\/mcp$/, ''),
    dir,
    async close() {
      await app.close();
    },
  };
}

/**
 * How a test client negotiates: `auto` (a 2.x client that probes with `server/discover` and
 * falls back to the 2025 handshake), or pinned to 2026-07-28 (modern only). The default is
 * `auto`, as a 2.x client configured for both eras connects.
 */
export const AUTO: VersionNegotiationMode = 'auto';
export const MODERN: VersionNegotiationMode = { pin: '2026-07-28' };

/** An SDK 2.x client, closed when the current test finishes. */
export function testClient(mode: VersionNegotiationMode = AUTO): Client {
  const client = new Client(
    { name: 'x-server-test', version: '1.0.0' },
    { versionNegotiation: { mode } },
  );
  closeAfterTest(() => client.close());
  return client;
}

export async function connectHttp(
  url: string,
  headers: Record<string, string> = {},
  mode: VersionNegotiationMode = AUTO,
): Promise<Client> {
  const client = testClient(mode);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: new Headers(headers) },
    }),
  );
  return client;
}

/** The CLI over stdio, as a child process, with a 2.x client in the given mode. */
export function stdioTransport(cwd: string, args: string[] = []): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [...NODE_ARGS, ...args],
    cwd,
    env: { ...(process.env as Record<string, string>), X_SERVER_FS_ROOT: join(cwd, 'files') },
    stderr: 'pipe',
  });
}

export async function connectStdio(
  cwd: string,
  args: string[] = [],
  mode: VersionNegotiationMode = AUTO,
) {
  const transport = stdioTransport(cwd, args);
  // Closing the client closes stdin: the server shuts down and exits, so no child is left.
  const client = testClient(mode);
  await client.connect(transport);
  return { client, transport };
}

/** The structured content of a successful call; throws with the error text otherwise. */
export function ok<T = Record<string, unknown>>(result: unknown): T {
  const call = result as CallToolResult;
  if (call.isError) throw new Error(`tool error: ${JSON.stringify(call.content)}`);
  return call.structuredContent as T;
}

export function errorText(result: unknown): string {
  const call = result as CallToolResult;
  if (!call.isError)
    throw new Error(`expected a tool error, got ${JSON.stringify(call.structuredContent)}`);
  return (call.content[0] as { text: string }).text;
}

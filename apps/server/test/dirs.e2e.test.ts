import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_ARGS, ok } from './helpers.js';

interface Launched {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
}

const launched: Launched[] = [];
const scratch: string[] = [];

afterEach(async () => {
  await Promise.all(launched.splice(0).map(({ client }) => client.close().catch(() => {})));
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'x-server-dirs-'));
  scratch.push(dir);
  return dir;
}

/**
 * The CLI as a desktop client launches it: from `/`, with only the environment it is given
 * (no X_SERVER_* variables, so every directory is the default one).
 */
async function launchFromRoot(env: Record<string, string>): Promise<Launched> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(X_SERVER_|XDG_)/.test(name) && name !== 'HOME',
    ),
  ) as Record<string, string>;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...NODE_ARGS, '--stdio'],
    cwd: '/',
    env: { ...inherited, ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const client = new Client(
    { name: 'x-server-dirs-test', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  const entry = { client, transport, stderr: () => stderr };
  launched.push(entry);
  await client.connect(transport);
  return entry;
}

const echo = { category: 'demo', tool: 'echo', params: { value: 'first hour' } };

async function stats(client: Client) {
  return ok<{
    stats: { cache: { tiers: string[] }; telemetry: { recorded: number } };
  }>(await client.callTool({ name: 'server_stats', arguments: {} })).stats;
}

describe('x-server started from a read-only working directory', () => {
  it('keeps its cache and telemetry in the XDG folders, not in the working directory', async () => {
    const home = await tempDir();
    const { client } = await launchFromRoot({
      HOME: home,
      XDG_CACHE_HOME: join(home, 'xdg-cache'),
      XDG_STATE_HOME: join(home, 'xdg-state'),
    });

    const first = ok<{ cached: boolean }>(
      await client.callTool({ name: 'dispatch', arguments: echo }),
    );
    const { cache } = await stats(client);
    // close() ends stdin and waits for the process to exit, which flushes the telemetry.
    await client.close();

    expect(first.cached).toBe(false);
    expect(cache.tiers).toEqual(['memory', 'disk']);
    expect(await readdir(join(home, 'xdg-cache', 'x-server'))).not.toHaveLength(0);
    const spans = await readFile(
      join(home, 'xdg-state', 'x-server', 'telemetry', 'spans.jsonl'),
      'utf8',
    );
    expect(spans).toContain('"demo.echo"');
    expect(existsSync('/.x-server')).toBe(false);
  });

  it('warns on stderr and serves without a disk tier or telemetry when their folders cannot be created', async () => {
    const home = await tempDir();
    // A path under a regular file cannot be created, even by root (tests here run as root,
    // where a chmod 0o500 folder would still be writable).
    const file = join(home, 'not-a-folder');
    await writeFile(file, 'a file');
    const { client, stderr } = await launchFromRoot({
      HOME: home,
      XDG_CACHE_HOME: join(file, 'cache'),
      XDG_STATE_HOME: join(file, 'state'),
    });

    const answer = ok<{ result: unknown; cached: boolean }>(
      await client.callTool({ name: 'dispatch', arguments: echo }),
    );
    const figures = await stats(client);

    expect(answer).toMatchObject({ result: { value: 'first hour' }, cached: false });
    expect(figures.cache.tiers).toEqual(['memory']);
    expect(figures.telemetry.recorded).toBe(0);
    expect(stderr()).toMatch(/warning: the disk cache tier is off: cannot use .*not-a-folder/);
    expect(stderr()).toMatch(/warning: telemetry files are off: cannot write to .*not-a-folder/);
  });
});

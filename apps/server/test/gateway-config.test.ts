import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnv, loadConfig, parseConfig } from '../src/config/index.js';
import { ConfigError } from '../src/errors.js';
import { TemplateLibrary } from '../src/workflows/templates.js';

describe('gateway configuration', () => {
  it('accepts a stdio peer and an HTTP peer, with their defaults', () => {
    const config = parseConfig({
      peers: {
        files: { command: 'npx', args: ['-y', 'some-mcp-server'] },
        search: { url: 'https://mcp.example.com/mcp', headers: { authorization: 'Bearer t' } },
      },
    });

    expect(config.peers.files).toMatchObject({ command: 'npx', timeoutMs: 60_000, cacheTools: {} });
    expect(config.peers.search).toMatchObject({ url: 'https://mcp.example.com/mcp', args: [] });
    expect(config.gateway).toEqual({
      connectTimeoutMs: 10_000,
      maxConnectionsPerPeer: 1,
      idleTimeoutMs: 300_000,
      pingIntervalMs: 30_000,
    });
  });

  it('refuses a peer with both or neither of command and url, naming the peer', () => {
    const both = () => parseConfig({ peers: { p: { command: 'x', url: 'http://127.0.0.1/mcp' } } });
    const neither = () => parseConfig({ peers: { p: {} } });

    expect(both).toThrow(ConfigError);
    expect(both).toThrow(/"peers\.p".*exactly one of "command" \(stdio\) or "url"/);
    expect(neither).toThrow(/"peers\.p"/);
  });

  it('refuses a peer name that is not a category name', () => {
    expect(() => parseConfig({ peers: { 'Bad Name': { command: 'x' } } })).toThrow(/peers/);
  });

  it('takes the Redis URL from X_SERVER_REDIS_URL and refuses one that is not redis://', () => {
    const raw = applyEnv({}, { X_SERVER_REDIS_URL: 'redis://10.0.0.5:6379' });

    expect(parseConfig(raw).cache.redisUrl).toBe('redis://10.0.0.5:6379');
    expect(() => parseConfig({ cache: { redisUrl: 'http://x' } })).toThrow(/"cache\.redisUrl"/);
  });

  it('resolves the template folder and a stdio peer cwd from the config file directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'x-server-config-'));
    await writeFile(
      join(dir, 'x.json'),
      JSON.stringify({ workflows: { dir: 'flows' }, peers: { p: { command: 'x', cwd: 'peer' } } }),
    );

    const { config } = await loadConfig({ file: join(dir, 'x.json'), env: {} });

    expect(config.workflows.dir).toBe(join(dir, 'flows'));
    expect(config.peers.p?.cwd).toBe(join(dir, 'peer'));
  });

  it('refuses a malformed template in the config, naming it', () => {
    const attempt = () =>
      new TemplateLibrary({
        templates: [
          { name: 'ok', steps: [{ id: 'a', category: 'demo', tool: 'echo' }] },
          { name: 'bad', steps: [] },
        ],
      });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/"workflows\.templates\.1\.steps"/);
  });

  it('refuses a template whose steps form a cycle', () => {
    const attempt = () =>
      new TemplateLibrary({
        templates: [
          {
            name: 'loop',
            steps: [
              { id: 'a', category: 'demo', tool: 'echo', needs: ['b'] },
              { id: 'b', category: 'demo', tool: 'echo', needs: ['a'] },
            ],
          },
        ],
      });

    expect(attempt).toThrow(/"workflows\.templates\.0".*cycle/);
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnv, loadConfig, parseConfig } from '../src/config/index.js';
import { ConfigError } from '../src/errors.js';

describe('config', () => {
  it('fills every field with its default from an empty object', () => {
    const config = parseConfig({});

    expect(config.http).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      stateless: false,
      maxBodyBytes: 1_000_000,
    });
    expect(config.builtins).toEqual(['text', 'time', 'fs', 'demo']);
    expect(config.cache).toMatchObject({ dir: '.x-server/cache', disk: true });
    expect(config.telemetry).toMatchObject({ dir: '.x-server/telemetry', enabled: true });
  });

  it('names the offending field in a ConfigError', () => {
    const attempt = () => parseConfig({ http: { port: 70_000 } }, 'x-server.json');

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/x-server\.json.*"http\.port"/);
  });

  it('refuses unknown top-level fields', () => {
    expect(() => parseConfig({ htp: {} })).toThrow(ConfigError);
  });

  it('names an unknown field at any level by its own path, not "(root)"', () => {
    const attempt = () =>
      parseConfig({ htp: {}, http: { prot: 80 }, gateway: { conectTimeoutMs: 1 } });

    expect(attempt).toThrow(/at "http\.prot": unknown field/);
    expect(attempt).toThrow(/at "gateway\.conectTimeoutMs": unknown field/);
    expect(attempt).toThrow(/at "htp": unknown field/);
  });

  it('reports every bad field at once, each with its path', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig({
        http: { port: -1, maxSessions: 0 },
        peers: { p: { command: 'x', timeoutMs: 'soon' } },
      });
    } catch (caught) {
      error = caught as ConfigError;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems.map((problem) => problem.field)).toEqual([
      'http.port',
      'http.maxSessions',
      'peers.p.timeoutMs',
    ]);
    expect(error?.field).toBe('http.port');
    expect(error?.message).toMatch(
      /3 problems: at "http\.port": .*; at "http\.maxSessions": .*; at "peers\.p\.timeoutMs": /,
    );
  });

  it('refuses a peer or plugin named like another category, naming it', () => {
    const peer = () => parseConfig({ peers: { demo: { command: 'x' } } });
    const plugin = () =>
      parseConfig({
        plugins: [{ name: 'p', module: './p.mjs', description: 'P' }],
        peers: { p: { command: 'x' } },
      });

    expect(peer).toThrow(/at "peers\.demo": category "demo" is a built-in already/);
    expect(plugin).toThrow(/at "peers\.p": category "p" is a plugin already/);
    expect(() => parseConfig({ builtins: [], peers: { demo: { command: 'x' } } })).not.toThrow();
  });

  it('applies X_SERVER_* environment overrides', () => {
    const raw = applyEnv(
      { http: { port: 1 } },
      { X_SERVER_PORT: '8080', X_SERVER_STATELESS: 'true', X_SERVER_TOKEN: 't' },
    );

    expect(raw).toEqual({ http: { port: 8080, stateless: true, token: 't' } });
  });

  it('refuses an environment value of the wrong type, naming the variable', () => {
    expect(() => applyEnv({}, { X_SERVER_PORT: 'eighty' })).toThrow(/X_SERVER_PORT="eighty"/);
  });

  it('reads a file, resolving fs.root from its directory and CLI overrides on top', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'x-server-config-'));
    await writeFile(
      join(dir, 'x.json'),
      JSON.stringify({ fs: { root: 'data' }, http: { port: 1234 } }),
    );

    const { config, baseDir } = await loadConfig({
      file: join(dir, 'x.json'),
      env: {},
      cwd: '/',
      overrides: { 'http.port': 4321, 'http.host': undefined },
    });

    expect(baseDir).toBe(dir);
    expect(config.fs.root).toBe(join(dir, 'data'));
    expect(config.http.port).toBe(4321);
    expect(config.cache.dir).toBe('/.x-server/cache');
  });

  it('reports a config file that is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'x-server-config-'));
    await writeFile(join(dir, 'bad.json'), '{ nope');

    await expect(loadConfig({ file: join(dir, 'bad.json'), env: {} })).rejects.toThrow(
      /not valid JSON/,
    );
  });
});

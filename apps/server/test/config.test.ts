import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnv, defaultDirs, loadConfig, parseConfig } from '../src/config/index.js';
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
    expect(config.cache).toMatchObject({ disk: true });
    expect(config.telemetry).toMatchObject({ enabled: true });
  });

  it('leaves the cache and telemetry folders to the platform when the config names none', () => {
    const config = parseConfig({});

    expect(config.cache.dir).toBeUndefined();
    expect(config.telemetry.dir).toBeUndefined();
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
  });

  it("puts the cache and telemetry in the platform's folders, not the working directory", async () => {
    const env = { HOME: '/home/ada', XDG_CACHE_HOME: '/xdg/cache', XDG_STATE_HOME: '/xdg/state' };

    const { config } = await loadConfig({ env, cwd: '/' });

    expect(config.cache.dir).toBe(defaultDirs({ env }).cache);
    expect(config.telemetry.dir).toBe(defaultDirs({ env }).telemetry);
    expect(config.cache.dir).not.toMatch(/^\/\.x-server/);
  });

  it('resolves explicit relative cache and telemetry dirs against the cwd, as documented', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'x-server-config-'));
    await writeFile(
      join(dir, 'x.json'),
      JSON.stringify({ cache: { dir: 'c' }, telemetry: { dir: 't' } }),
    );

    const { config } = await loadConfig({ file: join(dir, 'x.json'), env: {}, cwd: '/srv' });

    expect(config.cache.dir).toBe('/srv/c');
    expect(config.telemetry.dir).toBe('/srv/t');
  });

  it('reports a config file that is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'x-server-config-'));
    await writeFile(join(dir, 'bad.json'), '{ nope');

    await expect(loadConfig({ file: join(dir, 'bad.json'), env: {} })).rejects.toThrow(
      /not valid JSON/,
    );
  });
});

describe('defaultDirs', () => {
  const home = '/home/ada';

  it('follows XDG_CACHE_HOME and XDG_STATE_HOME on Linux', () => {
    const env = { XDG_CACHE_HOME: '/xdg/cache', XDG_STATE_HOME: '/xdg/state' };

    expect(defaultDirs({ platform: 'linux', env, home })).toEqual({
      cache: '/xdg/cache/x-server',
      telemetry: '/xdg/state/x-server/telemetry',
    });
  });

  it('falls back to ~/.cache and ~/.local/state, ignoring relative XDG paths', () => {
    const env = { XDG_CACHE_HOME: 'relative/cache', XDG_STATE_HOME: '' };

    expect(defaultDirs({ platform: 'linux', env, home })).toEqual({
      cache: '/home/ada/.cache/x-server',
      telemetry: '/home/ada/.local/state/x-server/telemetry',
    });
  });

  it('takes the home folder from HOME in the given environment', () => {
    expect(defaultDirs({ platform: 'freebsd', env: { HOME: '/home/bob' } }).cache).toBe(
      '/home/bob/.cache/x-server',
    );
  });

  it('uses ~/Library/Caches and ~/Library/Logs on macOS', () => {
    expect(defaultDirs({ platform: 'darwin', env: {}, home })).toEqual({
      cache: '/home/ada/Library/Caches/x-server',
      telemetry: '/home/ada/Library/Logs/x-server/telemetry',
    });
  });

  it('uses %LOCALAPPDATA% on Windows, else AppData\\Local under the home folder', () => {
    const env = { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' };

    expect(defaultDirs({ platform: 'win32', env, home: 'C:\\Users\\ada' })).toEqual({
      cache: 'C:\\Users\\ada\\AppData\\Local\\x-server\\Cache',
      telemetry: 'C:\\Users\\ada\\AppData\\Local\\x-server\\Telemetry',
    });
    expect(defaultDirs({ platform: 'win32', env: {}, home: 'C:\\Users\\bob' }).cache).toBe(
      'C:\\Users\\bob\\AppData\\Local\\x-server\\Cache',
    );
  });
});

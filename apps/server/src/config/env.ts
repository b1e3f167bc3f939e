import { ConfigError } from '../errors.js';

type EnvKind = 'string' | 'int' | 'bool';

/** The `X_SERVER_*` variables and the config field each one sets. */
const ENV: Record<string, { path: string[]; kind: EnvKind }> = {
  X_SERVER_PORT: { path: ['http', 'port'], kind: 'int' },
  X_SERVER_HOST: { path: ['http', 'host'], kind: 'string' },
  X_SERVER_TOKEN: { path: ['http', 'token'], kind: 'string' },
  X_SERVER_STATELESS: { path: ['http', 'stateless'], kind: 'bool' },
  X_SERVER_FS_ROOT: { path: ['fs', 'root'], kind: 'string' },
  X_SERVER_CACHE_DIR: { path: ['cache', 'dir'], kind: 'string' },
  X_SERVER_TELEMETRY_DIR: { path: ['telemetry', 'dir'], kind: 'string' },
  X_SERVER_OTLP_URL: { path: ['telemetry', 'otlpUrl'], kind: 'string' },
  X_SERVER_CONCURRENCY: { path: ['scheduler', 'concurrency'], kind: 'int' },
  X_SERVER_REDIS_URL: { path: ['cache', 'redisUrl'], kind: 'string' },
  X_SERVER_CACHE_NAMESPACE: { path: ['cache', 'namespace'], kind: 'string' },
};

/** The environment variables that override config fields, with the field each one sets. */
export const envOverrides: readonly { name: string; field: string }[] = Object.entries(ENV).map(
  ([name, { path }]) => ({ name, field: path.join('.') }),
);

/** Sets `value` at `path` in a copy-on-write walk (objects on the way are copied, not mutated). */
export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    node[key] = child && typeof child === 'object' ? { ...(child as object) } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

/** Applies `X_SERVER_*` variables over a raw config object. */
export function applyEnv(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const out = { ...raw };
  for (const [name, { path, kind }] of Object.entries(ENV)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    let value: unknown = text;
    if (kind === 'int') {
      value = Number(text);
      if (!Number.isInteger(value))
        throw new ConfigError(path.join('.'), `${name}="${text}" is not an integer`, 'environment');
    } else if (kind === 'bool') {
      if (!/^(1|0|true|false)$/i.test(text))
        throw new ConfigError(path.join('.'), `${name}="${text}" is not true/false`, 'environment');
      value = /^(1|true)$/i.test(text);
    }
    setPath(out, path, value);
  }
  return out;
}

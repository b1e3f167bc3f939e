import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { durationMs, peerSchema } from './peer-schema.js';

export type { PeerConfig } from './peer-schema.js';

const categoryName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,63}$/,
    'lowercase letters, digits, "-" or "_", starting with a letter',
  );

/**
 * The whole configuration; every field has a default, so `{}` is a valid config. Unknown fields
 * are refused at every level, so a misspelt option is an error instead of a silent default.
 */
export const configSchema = z
  .object({
    http: z
      .object({
        /** Port to listen on; 0 picks a free one. */
        port: z.number().int().min(0).max(65_535).default(3000),
        /** Address to bind; anything but loopback requires `token`. */
        host: z.string().min(1).default('127.0.0.1'),
        /** One server per request, no sessions: for load balancers and many machines. */
        stateless: z.boolean().default(false),
        /** Bearer token the client must send; required off loopback. */
        token: z.string().min(16, 'use at least 16 characters').optional(),
        /** Extra Host header values accepted besides loopback names and the bound host. */
        allowedHosts: z.array(z.string()).default([]),
        /** Origins accepted from browsers; requests with another Origin get 403. */
        allowedOrigins: z.array(z.string()).default([]),
        /** Largest accepted request body; larger gets 413. */
        maxBodyBytes: z.number().int().positive().default(1_000_000),
        /** A session unused this long is closed. */
        sessionIdleMs: z
          .number()
          .int()
          .positive()
          .default(15 * 60_000),
        /** Most sessions at once; beyond it new sessions get 503. */
        maxSessions: z.number().int().positive().default(1000),
      })
      .strict()
      .prefault({}),
    fs: z
      .object({
        /** The only directory the fs tools may read, relative to the config file or cwd. */
        root: z.string().default('.'),
      })
      .strict()
      .prefault({}),
    /** Built-in categories to offer. */
    builtins: z
      .array(z.enum(['text', 'time', 'fs', 'demo']))
      .default(['text', 'time', 'fs', 'demo']),
    plugins: z
      .array(
        z
          .object({
            name: categoryName,
            module: z.string().min(1),
            description: z.string().min(1),
            priority: z.number().int().optional(),
            options: z.record(z.string(), z.unknown()).optional(),
          })
          .strict(),
      )
      .default([]),
    /** How connections to peers are pooled (one @x/pool for every peer). */
    gateway: z
      .object({
        /** Longest wait for a connection to a peer (spawn + initialize, or a full pool). */
        connectTimeoutMs: durationMs.default(10_000),
        /** Connections per peer; MCP multiplexes concurrent calls over each one. */
        maxConnectionsPerPeer: z.number().int().positive().max(64).default(1),
        /** A connection unused this long is closed (a stdio peer's process ends). */
        idleTimeoutMs: durationMs.default(5 * 60_000),
        /** A connection quiet for longer than this is checked with `ping` before it is reused. */
        pingIntervalMs: durationMs.default(30_000),
      })
      .strict()
      .prefault({}),
    /** Upstream MCP servers, each offered as a lazy category of the same name. */
    peers: z.record(categoryName, peerSchema).default({}),
    workflows: z
      .object({
        /** Workflow templates (`{ name, version, description?, parameters, steps }`). */
        templates: z.array(z.record(z.string(), z.unknown())).default([]),
        /** A folder of `*.json` templates, relative to the config file. */
        dir: z.string().optional(),
        /** Workflow steps running at once across all runs (one @x/scheduler). */
        maxConcurrentSteps: z.number().int().positive().default(64),
      })
      .strict()
      .prefault({}),
    /** Per-category overrides. */
    categories: z
      .record(
        categoryName,
        z
          .object({
            /** Scheduling priority of the category's calls (higher first). */
            priority: z.number().int().optional(),
            /** A call of this category taking longer fails with a timeout. */
            timeoutMs: z.number().int().positive().optional(),
          })
          .strict(),
      )
      .default({}),
    cache: z
      .object({
        /** Disk tier directory, relative to the working directory. */
        dir: z.string().default('.x-server/cache'),
        /** Keep a disk tier next to memory. */
        disk: z.boolean().default(true),
        memoryMaxEntries: z.number().int().positive().default(10_000),
        diskMaxBytes: z
          .number()
          .int()
          .positive()
          .default(100 * 1024 * 1024),
        /** A shared Redis tier (e.g. `redis://127.0.0.1:6379`) so many instances share results. */
        redisUrl: z
          .string()
          .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
          .optional(),
        /** Key prefix in the shared tier; instances that should share results use the same one. */
        namespace: z.string().min(1).default('x-server'),
        /** TTL of cached results for tools that declare none. */
        defaultTtlMs: z
          .number()
          .int()
          .positive()
          .default(5 * 60_000),
      })
      .strict()
      .prefault({}),
    telemetry: z
      .object({
        enabled: z.boolean().default(true),
        /** JSONL directory, relative to the working directory. */
        dir: z.string().default('.x-server/telemetry'),
        maxFileBytes: z
          .number()
          .int()
          .positive()
          .default(10 * 1024 * 1024),
        maxFiles: z.number().int().positive().default(5),
        flushIntervalMs: z.number().int().positive().default(5_000),
        /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
        otlpUrl: z.url().optional(),
      })
      .strict()
      .prefault({}),
    scheduler: z
      .object({
        /** Calls running at once across all sessions. */
        concurrency: z.number().int().positive().default(32),
      })
      .strict()
      .prefault({}),
    breaker: z
      .object({
        /** Consecutive failures that open a category's circuit. */
        failureThreshold: z.number().int().positive().default(5),
        /** How long an open circuit waits before a trial call. */
        recoveryTimeoutMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .prefault({}),
    idempotency: z
      .object({
        /** How long an idempotency key is remembered. */
        windowMs: z.number().int().min(0).default(60_000),
        maxKeys: z.number().int().positive().default(10_000),
      })
      .strict()
      .prefault({}),
    /** How long shutdown waits for calls in flight before aborting them. */
    shutdownGraceMs: z.number().int().min(0).default(10_000),
  })
  .strict()
  .superRefine((config, ctx) => {
    // Built-ins, plugins and peers are all categories: one name, one category.
    const owners = new Map<string, string>(config.builtins.map((name) => [name, 'a built-in']));
    const claim = (name: string, owner: string, path: (string | number)[]) => {
      const taken = owners.get(name);
      if (taken === undefined) owners.set(name, owner);
      else
        ctx.addIssue({
          code: 'custom',
          path,
          message: `category "${name}" is ${taken} already; rename it`,
        });
    };
    config.plugins.forEach((plugin, index) => {
      claim(plugin.name, 'a plugin', ['plugins', index, 'name']);
    });
    for (const name of Object.keys(config.peers)) claim(name, 'a peer', ['peers', name]);
  });

export type XServerConfig = z.output<typeof configSchema>;
export type XServerConfigInput = z.input<typeof configSchema>;

/**
 * Every zod issue as a problem with its dotted path. An unknown key is reported at its own path
 * (`http.prot`), not at the object that holds it.
 */
export function configProblems(error: z.ZodError, prefix = ''): ConfigProblem[] {
  const at = (path: readonly PropertyKey[]) =>
    [prefix, ...path.map(String)].filter((part) => part !== '').join('.') || '(root)';
  return error.issues.flatMap((issue): ConfigProblem[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          field: at([...issue.path, key]),
          message: 'unknown field (check its spelling against the configuration reference)',
        }))
      : [{ field: at(issue.path), message: issue.message }],
  );
}

/** Validates a config object; the error lists every bad field by its path. */
export function parseConfig(input: unknown, source = 'config'): XServerConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) throw ConfigError.of(configProblems(parsed.error), source);
  return parsed.data;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    node[key] = child && typeof child === 'object' ? { ...(child as object) } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

const ENV: Record<string, { path: string[]; kind: 'string' | 'int' | 'bool' }> = {
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

/** The environment variables that override config fields, for the README and `--help`. */
export const envOverrides: readonly string[] = Object.keys(ENV);

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

/**
 * Reads the config file (if any), applies environment overrides, validates, and resolves
 * relative directories against the config file's directory (or `cwd` without a file).
 */
export async function loadConfig(
  options: {
    file?: string;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    overrides?: Record<string, unknown>;
  } = {},
): Promise<{ config: XServerConfig; baseDir: string }> {
  const cwd = options.cwd ?? process.cwd();
  let raw: Record<string, unknown> = {};
  let baseDir = cwd;
  if (options.file) {
    const file = resolve(cwd, options.file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError('(file)', `cannot read ${file}: ${(error as Error).message}`, file);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError('(file)', `not valid JSON: ${(error as Error).message}`, file);
    }
    baseDir = dirname(file);
  }
  raw = applyEnv(raw, options.env ?? process.env);
  for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(raw, dotted.split('.'), value);
  }
  const config = parseConfig(raw, options.file ?? 'config');
  config.fs.root = resolve(baseDir, config.fs.root);
  config.cache.dir = resolve(cwd, config.cache.dir);
  config.telemetry.dir = resolve(cwd, config.telemetry.dir);
  if (config.workflows.dir !== undefined)
    config.workflows.dir = resolve(baseDir, config.workflows.dir);
  for (const peer of Object.values(config.peers)) {
    if (peer.cwd !== undefined) peer.cwd = resolve(baseDir, peer.cwd);
  }
  return { config, baseDir };
}

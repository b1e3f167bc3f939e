import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { defaultDirs } from './dirs.js';
import { applyEnv, setPath } from './env.js';
import { configSchema, type XServerConfig } from './schema.js';

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

export interface LoadConfigOptions {
  /** A JSON config file; relative paths in it resolve from its directory. */
  file?: string | undefined;
  /** `X_SERVER_*` overrides are read from here. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  cwd?: string;
  /** Dotted fields set last (CLI flags): `{ 'http.port': 0 }`; `undefined` values are skipped. */
  overrides?: Record<string, unknown>;
}

/**
 * Reads the config file (if any), applies environment overrides, then `overrides`, validates,
 * and resolves relative directories against the config file's directory (or `cwd`). The cache
 * and telemetry directories it leaves unset are filled in with `defaultDirs()`.
 */
export async function loadConfig(
  options: LoadConfigOptions = {},
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
  const env = options.env ?? process.env;
  raw = applyEnv(raw, env);
  for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(raw, dotted.split('.'), value);
  }
  const config = parseConfig(raw, options.file ?? 'config');
  config.fs.root = resolve(baseDir, config.fs.root);
  // Unset directories are the platform's cache and state folders, never the working directory
  // (a client may launch the server from `/`); ones that are set resolve against the cwd.
  const dirs = defaultDirs({ env });
  config.cache.dir = config.cache.dir === undefined ? dirs.cache : resolve(cwd, config.cache.dir);
  config.telemetry.dir =
    config.telemetry.dir === undefined ? dirs.telemetry : resolve(cwd, config.telemetry.dir);
  if (config.workflows.dir !== undefined)
    config.workflows.dir = resolve(baseDir, config.workflows.dir);
  for (const peer of Object.values(config.peers)) {
    if (peer.cwd !== undefined) peer.cwd = resolve(baseDir, peer.cwd);
  }
  return { config, baseDir };
}

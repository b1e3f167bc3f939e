import { homedir, tmpdir } from 'node:os';
import { posix, win32 } from 'node:path';

/** Where x-server keeps what it writes when the config names no directory. */
export interface DefaultDirs {
  /** The disk tier of the result cache (`cache.dir`). */
  cache: string;
  /** The rotating JSONL span files (`telemetry.dir`). */
  telemetry: string;
}

export interface DefaultDirsOptions {
  /** `XDG_CACHE_HOME`, `XDG_STATE_HOME` and `LOCALAPPDATA` are read from here. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** @default `HOME` (`USERPROFILE` on Windows) from `env`, else os.homedir() */
  home?: string;
}

const NAME = 'x-server';

/** A directory from the environment: only an absolute path counts (XDG says to ignore others). */
function absolute(value: string | undefined, path: typeof posix): string | undefined {
  return value && path.isAbsolute(value) ? value : undefined;
}

/**
 * The platform's conventional directories for a cache and for state, never the working
 * directory (a client may start the server from `/`, which it cannot write):
 *
 * - Linux and other Unixes: `$XDG_CACHE_HOME/x-server` (else `~/.cache/x-server`) and
 *   `$XDG_STATE_HOME/x-server/telemetry` (else `~/.local/state/x-server/telemetry`);
 * - macOS: `~/Library/Caches/x-server` and `~/Library/Logs/x-server/telemetry`;
 * - Windows: `%LOCALAPPDATA%\x-server\Cache` and `%LOCALAPPDATA%\x-server\Telemetry`.
 */
export function defaultDirs(options: DefaultDirsOptions = {}): DefaultDirs {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  // The platform's own separators, so a default computed for Windows reads like a Windows path.
  const path = platform === 'win32' ? win32 : posix;
  // homedir() falls back to the passwd entry; a user without any home gets the temp folder.
  const home =
    options.home ??
    absolute(platform === 'win32' ? env.USERPROFILE : env.HOME, path) ??
    (homedir() || tmpdir());
  const { join } = path;
  if (platform === 'win32') {
    const local = absolute(env.LOCALAPPDATA, path) ?? join(home, 'AppData', 'Local');
    return { cache: join(local, NAME, 'Cache'), telemetry: join(local, NAME, 'Telemetry') };
  }
  if (platform === 'darwin') {
    const library = join(home, 'Library');
    return {
      cache: join(library, 'Caches', NAME),
      telemetry: join(library, 'Logs', NAME, 'telemetry'),
    };
  }
  return {
    cache: join(absolute(env.XDG_CACHE_HOME, path) ?? join(home, '.cache'), NAME),
    telemetry: join(
      absolute(env.XDG_STATE_HOME, path) ?? join(home, '.local', 'state'),
      NAME,
      'telemetry',
    ),
  };
}

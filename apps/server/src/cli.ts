#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { envOverrides, loadConfig } from './config/index.js';
import { errorMessage } from './errors.js';
import { SERVER_VERSION, XServer } from './server.js';

const DASHBOARD_PORT = 3030;

const HELP = `x-server ${SERVER_VERSION} — an MCP server with lazy tool categories

Usage:
  x-server [--stdio]                         serve one client over stdin/stdout (default)
  x-server --http [--port 3000] [--host 127.0.0.1] [--stateless]
                                             serve Streamable HTTP at /mcp, plus /health, /metrics,
                                             and the live dashboard page at /
  x-server --dashboard[=port]                also serve the dashboard page on 127.0.0.1 (default
                                             port ${DASHBOARD_PORT}; 0: any free port), e.g. beside stdio
Both MCP eras are served: 2026-07-28 requests (no session) and 2025 clients (initialize; over HTTP
a session each, or per request with --stateless).
Options:
  --config <file>   JSON config (see README); relative paths resolve from its directory
  --redis <url>     share cached results through Redis (redis://host:6379), for many instances
  --help, --version
Environment: ${envOverrides.map((override) => override.name).join(', ')}
`;

// Logs go to stderr: in stdio mode stdout carries the protocol.
const log = (message: string) => process.stderr.write(`[x-server] ${message}\n`);

/** `--dashboard` alone means the default port (parseArgs wants a value for a string option). */
const withDashboardDefault = (argv: string[]) =>
  argv.map((arg) => (arg === '--dashboard' ? `--dashboard=${DASHBOARD_PORT}` : arg));

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: withDashboardDefault(argv),
    options: {
      stdio: { type: 'boolean' },
      http: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      stateless: { type: 'boolean' },
      config: { type: 'string' },
      redis: { type: 'string' },
      dashboard: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
  });
  if (values.help) return void process.stdout.write(HELP);
  if (values.version) return void process.stdout.write(`${SERVER_VERSION}\n`);
  if (values.stdio && values.http) throw new TypeError('Choose one transport: --stdio or --http.');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new RangeError(`--port must be an integer 0..65535; got "${values.port}".`);
  }
  const dashboardPort = values.dashboard === undefined ? undefined : Number(values.dashboard);
  if (
    dashboardPort !== undefined &&
    (values.dashboard === '' ||
      !Number.isInteger(dashboardPort) ||
      dashboardPort < 0 ||
      dashboardPort > 65_535)
  ) {
    throw new RangeError(
      `--dashboard port must be an integer 0..65535; got "${values.dashboard}".`,
    );
  }
  const { config, baseDir } = await loadConfig({
    file: values.config ?? process.env.X_SERVER_CONFIG,
    overrides: {
      'http.port': port,
      'http.host': values.host,
      'http.stateless': values.stateless,
      'cache.redisUrl': values.redis,
    },
  });
  const server = await XServer.create({ config, baseDir, defaultMetrics: true });

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    shuttingDown ??= (async () => {
      log(`shutting down (${reason})`);
      try {
        // The server owns the order: transports stop accepting, calls drain, then everything closes.
        await server.close();
        log('stopped');
        process.exitCode ??= 0;
      } catch (error) {
        log(`shutdown failed: ${errorMessage(error)}`);
        process.exitCode = 1;
      }
    })();
    return shuttingDown;
  };
  // `on`, not `once`: a second signal while shutting down (Ctrl-C reaches both this process and
  // a wrapper that forwards it, `kill` of a whole process group) must not kill the process in the
  // middle of its clean shutdown. shutdown() runs once, and ends within shutdownGraceMs + 2 s.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (values.http) {
    const bound = await server.serveHttp();
    log(`listening on ${bound.url}${config.http.stateless ? ' (stateless)' : ''}`);
  } else {
    await server.serveStdio({ onDisconnect: () => void shutdown('stdin closed') });
    log('serving over stdio');
  }
  if (dashboardPort !== undefined) {
    const { url } = await server.serveDashboard(dashboardPort);
    log(`dashboard on ${url}${config.http.token ? ' (open it once as /?token=<token>)' : ''}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  log(errorMessage(error));
  process.exitCode = 2;
});

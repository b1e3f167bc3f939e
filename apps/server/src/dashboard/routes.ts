import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dashboardAllowed, exchangeToken } from './auth.js';
import type { SnapshotStream } from './stream.js';

/**
 * The dashboard's HTTP routes, read-only: `GET /` (the page), `GET /dashboard/<asset>` (its
 * scripts and styles, built into `dist/dashboard/` and served from there: no other host), and
 * `GET /dashboard/events` (server-sent snapshots). The HTTP transport hands it every request
 * after its Host and Origin checks; the token is checked here (see auth.ts).
 */
export interface DashboardRoutesOptions {
  stream: SnapshotStream;
  /** The bearer token of the server (`http.token`); `undefined`: none asked for. */
  token: string | undefined;
  /** Where the built assets are. @default dist/dashboard (found from this module or from src) */
  assetsDir?: string;
}

/** The built assets: beside the bundled server in dist/, or dist/ of the package when run from src/. */
export function defaultAssetsDir(): string {
  for (const relative of ['./dashboard/', '../../dist/dashboard/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}app.js`)) return dir;
  }
  return fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
const ASSET = /^\/dashboard\/([a-z0-9-]+\.(js|css))$/;

// Scripts only from this server; inline styles for the SVG of mermaid and the chart's own.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>x-server dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/app.js" defer></script>
</head>
<body><div id="app"><p class="boot">Connecting to x-server…</p></div></body>
</html>
`;

const REFUSED = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark">
<title>x-server dashboard: token needed</title><link rel="icon" href="data:,"></head>
<body><h1>Token needed</h1>
<p>This x-server asks for its bearer token. Open <code>/?token=&lt;token&gt;</code> once: the
server keeps it in a cookie for this browser and takes it out of the address.</p></body></html>
`;

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra = {},
) {
  res.writeHead(status, { 'content-type': type, ...SECURITY, ...extra });
  res.end(body);
}

export class DashboardRoutes {
  readonly #options: DashboardRoutesOptions;
  readonly #assets: string;
  readonly #files = new Map<string, Buffer>();

  constructor(options: DashboardRoutesOptions) {
    this.#options = options;
    this.#assets = options.assetsDir ?? defaultAssetsDir();
  }

  /** Whether `path` is one of the dashboard's. */
  static owns(path: string): boolean {
    return path === '/' || path.startsWith('/dashboard/');
  }

  /** Serves the request if it is the dashboard's; `false` leaves it to the caller. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (!DashboardRoutes.owns(path)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'The dashboard is read-only: GET only.\n', {
        allow: 'GET, HEAD',
      });
      return true;
    }
    const { token } = this.#options;
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const given = query.get('token');
    if (path === '/' && given !== null && token !== undefined) {
      const cookie = exchangeToken(given, token);
      if (cookie) {
        // The token leaves the address bar (and the history) at once.
        res.writeHead(303, { location: '/', 'set-cookie': cookie, ...SECURITY });
        res.end();
        return true;
      }
    }
    if (!dashboardAllowed(req, token)) {
      send(res, 401, 'text/html; charset=utf-8', REFUSED, { 'www-authenticate': 'Bearer' });
      return true;
    }
    if (path === '/') {
      send(res, 200, 'text/html; charset=utf-8', PAGE);
      return true;
    }
    if (path === '/dashboard/events') {
      this.#options.stream.connect(req, res);
      return true;
    }
    const asset = ASSET.exec(path);
    const body = asset ? await this.#asset(asset[1]!) : undefined;
    if (!asset || !body) {
      send(res, 404, 'text/plain; charset=utf-8', `No dashboard asset ${path}.\n`);
      return true;
    }
    send(res, 200, TYPES[asset[2]!]!, body);
    return true;
  }

  async #asset(name: string): Promise<Buffer | undefined> {
    const cached = this.#files.get(name);
    if (cached) return cached;
    try {
      // A handful of built files, read once (the set is fixed by the build: memory stays flat).
      const body = await readFile(`${this.#assets}${name}`);
      this.#files.set(name, body);
      return body;
    } catch {
      return undefined;
    }
  }
}

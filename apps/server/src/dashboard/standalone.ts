import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkHostAndOrigin, type RequestPolicy } from '../transport/request-checks.js';
import type { ServerTransport } from '../transport/types.js';
import type { DashboardRoutes } from './routes.js';

/**
 * The dashboard on its own listener (`x-server --dashboard[=port]`), beside stdio: always on
 * 127.0.0.1, with the same Host and Origin checks as `/mcp` and the same token (when
 * `http.token` is set). Serves the dashboard's routes only. Registered with the server like a
 * transport, so the server's shutdown closes it.
 */
export class DashboardServer implements ServerTransport {
  readonly #routes: DashboardRoutes;
  readonly #policy: RequestPolicy;
  readonly #server: Server;
  readonly #port: number;
  #closing: Promise<void> | undefined;

  constructor(
    routes: DashboardRoutes,
    options: {
      port: number;
      token: string | undefined;
      allowedHosts: readonly string[];
      allowedOrigins: readonly string[];
    },
  ) {
    this.#routes = routes;
    this.#port = options.port;
    this.#policy = {
      bindHost: '127.0.0.1',
      token: options.token,
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
    };
    this.#server = createServer((req, res) => {
      const refused = checkHostAndOrigin(req, this.#policy);
      if (refused) {
        res.writeHead(refused.status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`${refused.message}\n`);
        return;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      this.#routes.handle(req, res, path).then(
        (served) => {
          if (served) return;
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`No route ${path}: this listener serves the dashboard only (/).\n`);
        },
        (error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`Internal error: ${(error as Error).message}\n`);
        },
      );
    });
  }

  /** Starts listening on 127.0.0.1; resolves with the page's URL. */
  listen(): Promise<{ port: number; url: string }> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        const { port } = this.#server.address() as AddressInfo;
        resolve({ port, url: `http://127.0.0.1:${port}/` });
      });
    });
  }

  /** Pages are not MCP sessions. */
  readonly sessions = 0;

  stopAccepting(): void {
    this.#closing ??= new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
  }

  close(): Promise<void> {
    this.stopAccepting();
    this.#server.closeAllConnections();
    return this.#closing ?? Promise.resolve();
  }
}

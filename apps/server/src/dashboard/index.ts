// The dashboard layer: a read-only page over the server's live figures (routes, server-sent
// snapshots, rolling per-tool windows), served by the HTTP transport or on its own beside stdio.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DashboardRoutes } from './routes.js';
import {
  buildSnapshot,
  type DashboardSnapshot,
  type DashboardSource,
  RecentRuns,
} from './snapshot.js';
import { SnapshotStream } from './stream.js';
import { CallWindows, type CallWindowsOptions } from './windows.js';

export { COOKIE, cookieValue } from './auth.js';
export { DashboardRoutes, defaultAssetsDir } from './routes.js';
export type { CategoryRow, DashboardSnapshot, DashboardSource, RunSummary } from './snapshot.js';
export { dashboardSource, type SourceParts } from './source.js';
export { DashboardServer } from './standalone.js';
export { SnapshotStream } from './stream.js';
export { CallWindows, type ToolFigures, type WindowsSnapshot } from './windows.js';

export interface DashboardOptions extends CallWindowsOptions {
  source: DashboardSource;
  /** The bearer token (`http.token`) the page asks for; `undefined`: none. */
  token: string | undefined;
  /**
   * Why the page is not served over the HTTP transport (`handle()`), e.g. `http.auth`: an OAuth
   * access token cannot come with a page load, and the page must not be open to anyone who
   * reaches the port. `serveDashboard()` (loopback) still serves it. @default served
   */
  refuseHttp?: string;
  /** Time between two snapshots sent to the open pages. @default 1000 */
  intervalMs?: number;
  /** Workflow runs kept for the page. @default 10 */
  maxRuns?: number;
  assetsDir?: string;
}

/** The dashboard of one server: its rolling figures, its recent runs, its stream and routes. */
export class Dashboard {
  readonly windows: CallWindows;
  readonly runs: RecentRuns;
  readonly stream: SnapshotStream;
  readonly routes: DashboardRoutes;
  readonly #snapshot: () => DashboardSnapshot;
  readonly #refuseHttp: string | undefined;

  constructor(options: DashboardOptions) {
    const now = options.now ?? Date.now;
    this.#refuseHttp = options.refuseHttp;
    this.windows = new CallWindows(options);
    this.runs = new RecentRuns(options.maxRuns ?? 10, now);
    this.#snapshot = () => buildSnapshot(options.source, this.windows, this.runs, now());
    this.stream = new SnapshotStream({
      snapshot: this.#snapshot,
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    });
    this.routes = new DashboardRoutes({
      stream: this.stream,
      token: options.token,
      ...(options.assetsDir === undefined ? {} : { assetsDir: options.assetsDir }),
    });
  }

  /** What the page is sent now (one frame of `/dashboard/events`). */
  snapshot(): DashboardSnapshot {
    return this.#snapshot();
  }

  /** Serves the request if it is the dashboard's (`/`, `/dashboard/…`); `false` otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const refusal = this.#refuseHttp;
    if (refusal === undefined || !DashboardRoutes.owns(path)) {
      return this.routes.handle(req, res, path);
    }
    res.writeHead(403, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(`${refusal}\n`);
    return Promise.resolve(true);
  }

  /** Ends the open pages' streams. */
  close(): void {
    this.stream.close();
  }
}

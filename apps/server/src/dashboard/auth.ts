import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { checkToken } from '../transport/request-checks.js';

/**
 * How the bearer token reaches a browser page, which cannot send an `Authorization` header on a
 * page load: the operator opens `/?token=<token>` once; the server answers with a cookie and a
 * redirect to `/` (the token leaves the address bar and the history). The cookie is `HttpOnly`
 * (no script reads it) and `SameSite=Strict` (no other site's page sends it), and holds an HMAC
 * of the token rather than the token itself: it opens the dashboard, never `/mcp`.
 * Every dashboard request needs the cookie or the bearer header; without a configured token
 * (a loopback server) none is asked for, as for `/mcp`.
 */
export const COOKIE = 'x_dashboard';

export function cookieValue(token: string): string {
  return createHmac('sha256', token).update('x-server dashboard v1').digest('base64url');
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Whether the request may see the dashboard: no token configured, the cookie, or the bearer. */
export function dashboardAllowed(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const cookie = cookieOf(req, COOKIE);
  if (cookie !== undefined && same(cookie, cookieValue(token))) return true;
  return checkToken(req, token) === undefined;
}

/** The `Set-Cookie` header for a right `?token=`, or `undefined` when it is wrong. */
export function exchangeToken(given: string, token: string): string | undefined {
  if (!same(cookieValue(given), cookieValue(token))) return undefined;
  return `${COOKIE}=${cookieValue(token)}; Path=/; HttpOnly; SameSite=Strict`;
}

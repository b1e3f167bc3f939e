import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(bare)) return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** The hostname part of a Host header (`example.com:3000` → `example.com`, `[::1]:80` → `::1`). */
export function hostnameOf(hostHeader: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}

export interface RequestPolicy {
  /** The address the server is bound to. */
  bindHost: string;
  token: string | undefined;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

export type CheckFailure = { status: 401 | 403; message: string };

/**
 * DNS-rebinding and cross-site protection. A browser page on another site can make a local
 * request, but it cannot forge Host or Origin: so Host must name this server and an Origin, when
 * sent, must be one we trust.
 */
export function checkHostAndOrigin(
  req: IncomingMessage,
  policy: RequestPolicy,
): CheckFailure | undefined {
  const host = req.headers.host;
  if (!host) return { status: 403, message: 'Missing Host header.' };
  const hostname = hostnameOf(host);
  const bindIsWildcard = policy.bindHost === '0.0.0.0' || policy.bindHost === '::';
  const hostOk =
    isLoopback(hostname) ||
    (!bindIsWildcard && hostname === hostnameOf(policy.bindHost)) ||
    policy.allowedHosts.some((allowed) => hostnameOf(allowed) === hostname);
  if (!hostOk) {
    return {
      status: 403,
      message: `Host "${host}" is not accepted. Add it to http.allowedHosts to serve under that name.`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).hostname;
    } catch {
      return { status: 403, message: `Origin "${origin}" is not a URL.` };
    }
    const originOk =
      policy.allowedOrigins.includes(origin) ||
      (isLoopback(originHost) && isLoopback(policy.bindHost));
    if (!originOk) {
      return {
        status: 403,
        message: `Origin "${origin}" is not allowed. Add it to http.allowedOrigins to let that site call this server.`,
      };
    }
  } else if (origin === 'null') {
    return { status: 403, message: 'Origin "null" (sandboxed or file page) is not allowed.' };
  }
  return undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Bearer-token check in constant time; passes when no token is configured. Both sides are hashed
 * first, so the comparison takes as long whatever the length of what was sent (comparing the raw
 * bytes would have to skip `timingSafeEqual` on a length mismatch, telling the token's length).
 */
export function checkToken(
  req: IncomingMessage,
  token: string | undefined,
): CheckFailure | undefined {
  if (token === undefined) return undefined;
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  const given = match?.[1]?.trim();
  const same = timingSafeEqual(sha256(given ?? ''), sha256(token));
  if (same && given !== undefined) return undefined;
  return {
    status: 401,
    message: 'Missing or wrong bearer token. Send "Authorization: Bearer <token>".',
  };
}

export class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`Request body is larger than ${maxBytes} bytes (http.maxBodyBytes).`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the body, refusing (before reading, when Content-Length says so) past `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The request as the SDK's era classifier reads it (`isLegacyRequest` with the parsed body beside
 * it): its method, and its headers through `get`. A whole web `Request` (every header copied
 * into a `Headers`, the URL parsed), built only to have three headers read, cost each POST about
 * as much again as the classification itself (~12 µs beside ~17 µs, in-process). The headers
 * here are Node's own: lower-cased names, a repeated header's values joined with ", " (as
 * `Headers` joins them).
 */
export function classifiable(req: IncomingMessage): Request {
  return {
    method: req.method ?? 'POST',
    headers: {
      get(name: string): string | null {
        const value = req.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
  } as unknown as Request;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthInfo,
  bearerAuthChallengeResponse,
  getOAuthProtectedResourceMetadataUrl,
  type OAuthProtectedResourceMetadata,
  verifyBearerToken,
} from '@modelcontextprotocol/server';
import type { HttpAuthConfig } from '../config/index.js';
import { Access, attachAccess, type CallLimiter, GrantTable } from './access.js';
import { RateLimiter, type RateLimitStore, SharedRateLimiter } from './rate-limit.js';
import { principalOf, TokenVerifier } from './verifier.js';

export interface ResourceServerOptions {
  /** The fetch used to reach the authorization server (metadata, JWKS is jose's own, introspection). */
  fetch?: typeof fetch;
  /** Milliseconds now, for the rate limiter. */
  now?: () => number;
  /** Redis, when instances share it (`cluster`): the rate limit counts across them. */
  rateLimitStore?: RateLimitStore | undefined;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * x-server as an OAuth 2.1 resource server (`http.auth`): serves its RFC 9728 metadata, checks the
 * bearer token of every `/mcp` request (401 with a `resource_metadata` challenge when missing or
 * invalid, 403 `insufficient_scope` when `requiredScopes` are missing), and gives the request
 * the caller's `Access` (grants and rate limit). The token itself goes no further than this
 * server: peers get their own credentials.
 */
export class ResourceServer {
  readonly verifier: TokenVerifier;
  readonly resourceMetadataUrl: string;
  readonly #config: HttpAuthConfig;
  readonly #paths: ReadonlySet<string>;
  readonly #grants: GrantTable | undefined;
  readonly #limiter: CallLimiter | undefined;

  constructor(config: HttpAuthConfig, options: ResourceServerOptions = {}) {
    this.#config = config;
    this.verifier = new TokenVerifier(config, options.fetch);
    this.resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(config.audience));
    // The path-aware location (RFC 9728 §3.1) and the root one, which some clients probe.
    this.#paths = new Set([new URL(this.resourceMetadataUrl).pathname, WELL_KNOWN]);
    this.#grants = config.grants ? new GrantTable(config.grants) : undefined;
    const limit = config.rateLimit && {
      ...config.rateLimit,
      ...(options.now && { now: options.now }),
    };
    this.#limiter =
      limit && options.rateLimitStore
        ? new SharedRateLimiter(options.rateLimitStore, limit)
        : limit && new RateLimiter(limit);
  }

  /** The RFC 9728 document: this resource, its authorization server, the scopes it knows. */
  metadata(): OAuthProtectedResourceMetadata {
    const scopes = new Set([
      ...this.#config.requiredScopes,
      ...Object.keys(this.#config.grants ?? {}),
    ]);
    return {
      resource: this.#config.audience,
      authorization_servers: [this.#config.issuer],
      bearer_methods_supported: ['header'],
      ...(scopes.size > 0 && { scopes_supported: [...scopes] }),
      resource_name: 'x-server',
    };
  }

  /** Answers the metadata document's paths; `true` when it answered. */
  serveMetadata(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (!this.#paths.has(path)) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' });
      res.end();
      return true;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'max-age=3600',
      'access-control-allow-origin': '*',
    });
    res.end(JSON.stringify(this.metadata()));
    return true;
  }

  /**
   * The verified token of the request, with the caller's access attached; or `undefined` after
   * answering the request with the challenge (401, 403 or, when the issuer is unreachable, 500).
   */
  async authenticate(req: IncomingMessage, res: ServerResponse): Promise<AuthInfo | undefined> {
    const options = {
      verifier: this.verifier,
      requiredScopes: this.#config.requiredScopes,
      resourceMetadataUrl: this.resourceMetadataUrl,
    };
    try {
      const auth = await verifyBearerToken(req.headers.authorization, {
        ...options,
        expectedResource: new URL(this.#config.audience),
      });
      const access = new Access(
        principalOf(auth),
        auth.scopes,
        this.#grants,
        this.#limiter,
        this.#config.principalInSpans,
      );
      return attachAccess(auth, access);
    } catch (error) {
      const answer = bearerAuthChallengeResponse(error, options);
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        headers[name] = value;
      });
      res.writeHead(answer.status, headers);
      res.end(await answer.text());
      return undefined;
    }
  }
}

import {
  type AuthInfo,
  OAuthError,
  OAuthErrorCode,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import type { HttpAuthConfig } from '../config/index.js';

/** Signature algorithms accepted for access tokens: asymmetric only (no `none`, no HMAC). */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** What this server reads from its authorization server's metadata (RFC 8414 / OIDC discovery). */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
}

/** Where RFC 8414 and OpenID Connect discovery put an issuer's metadata, in the order tried. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

const invalid = (message: string) => new OAuthError(OAuthErrorCode.InvalidToken, message);

/** The scopes of a token: `scope` (space-separated, RFC 9068 / 7662) or `scp` (an array). */
function scopesOf(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp))
    return claims.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

/** The principal behind a token: its subject, else the client it was issued to. */
export function principalOf(auth: AuthInfo): string {
  const sub = auth.extra?.sub;
  return typeof sub === 'string' && sub ? sub : auth.clientId;
}

function authInfo(token: string, claims: Record<string, unknown>, audience: string): AuthInfo {
  if (typeof claims.exp !== 'number') throw invalid('The token has no expiry (exp).');
  const clientId = [claims.client_id, claims.azp, claims.sub].find(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  return {
    token,
    clientId: clientId ?? 'unknown',
    scopes: scopesOf(claims),
    expiresAt: claims.exp,
    resource: new URL(audience),
    extra: { sub: typeof claims.sub === 'string' ? claims.sub : undefined, iss: claims.iss },
  };
}

/**
 * Checks access tokens for x-server as an OAuth 2.1 resource server. A JWT is verified locally
 * against the issuer's JWKS (found in the issuer's metadata, cached by jose, fetched again when a
 * token names a key id it does not hold): signature, issuer, audience (this server's RFC 8707
 * resource), expiry. Any other token goes to the issuer's introspection endpoint (RFC 7662) when
 * `introspection` is configured, and is refused otherwise. Failures throw `invalid_token`.
 */
export class TokenVerifier implements OAuthTokenVerifier {
  readonly #config: HttpAuthConfig;
  readonly #fetch: typeof fetch;
  #metadata: Promise<IssuerMetadata> | undefined;
  #jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(config: HttpAuthConfig, fetchImpl: typeof fetch = fetch) {
    this.#config = config;
    this.#fetch = fetchImpl;
  }

  /** The issuer's metadata, fetched once (again after a failure). */
  metadata(): Promise<IssuerMetadata> {
    this.#metadata ??= this.#discover().catch((error: unknown) => {
      this.#metadata = undefined;
      throw error;
    });
    return this.#metadata;
  }

  async #discover(): Promise<IssuerMetadata> {
    const problems: string[] = [];
    for (const url of metadataUrls(this.#config.issuer)) {
      const response = await this.#fetch(url, { headers: { accept: 'application/json' } }).catch(
        (error: unknown) => {
          problems.push(`${url}: ${(error as Error).message}`);
          return undefined;
        },
      );
      if (!response) continue;
      if (!response.ok) {
        problems.push(`${url}: HTTP ${response.status}`);
        continue;
      }
      const metadata = (await response.json()) as IssuerMetadata;
      if (metadata.issuer !== this.#config.issuer) {
        throw new Error(
          `The metadata at ${url} names issuer "${metadata.issuer}", not "${this.#config.issuer}" (http.auth.issuer).`,
        );
      }
      return metadata;
    }
    throw new Error(
      `No authorization server metadata for ${this.#config.issuer}: ${problems.join('; ')}`,
    );
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    if (token.split('.').length === 3) return this.#verifyJwt(token);
    if (this.#config.introspection) return this.#introspect(token);
    throw invalid('The token is not a JWT, and no introspection is configured.');
  }

  async #verifyJwt(token: string): Promise<AuthInfo> {
    const metadata = await this.#serverMetadata();
    if (!metadata.jwks_uri)
      throw new OAuthError(OAuthErrorCode.ServerError, 'The issuer publishes no jwks_uri.');
    this.#jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri));
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.#config.issuer,
        audience: this.#config.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError)
        throw invalid(`The token was refused: ${joseReason(error)}.`);
      throw error;
    }
    return authInfo(token, payload, this.#config.audience);
  }

  async #introspect(token: string): Promise<AuthInfo> {
    const settings = this.#config.introspection!;
    const endpoint = settings.endpoint ?? (await this.#serverMetadata()).introspection_endpoint;
    if (!endpoint) {
      throw new OAuthError(
        OAuthErrorCode.ServerError,
        'The issuer publishes no introspection_endpoint.',
      );
    }
    const basic = Buffer.from(
      `${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`,
    ).toString('base64');
    const response = await this.#fetch(endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    if (!response.ok) {
      throw new OAuthError(
        OAuthErrorCode.ServerError,
        `Token introspection answered HTTP ${response.status}.`,
      );
    }
    const claims = (await response.json()) as Record<string, unknown>;
    if (claims.active !== true) throw invalid('The token is not active.');
    if (claims.iss !== undefined && claims.iss !== this.#config.issuer)
      throw invalid('The token is from another issuer.');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.#config.audience))
      throw invalid('The token is for another audience.');
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now())
      throw invalid('The token has expired.');
    return authInfo(token, claims, this.#config.audience);
  }

  async #serverMetadata(): Promise<IssuerMetadata> {
    try {
      return await this.metadata();
    } catch (error) {
      throw new OAuthError(OAuthErrorCode.ServerError, (error as Error).message);
    }
  }
}

function joseReason(error: InstanceType<typeof joseErrors.JOSEError>): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `claim "${error.claim}" ${error.reason === 'check_failed' ? 'does not match' : error.reason}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'its signature does not verify';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches it';
  return error.code;
}

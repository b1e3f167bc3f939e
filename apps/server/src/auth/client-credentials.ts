import type { PeerConfig } from '../config/index.js';
import { metadataUrls } from './verifier.js';

type OAuthClient = NonNullable<PeerConfig['oauth']>;

export interface ClientCredentialsOptions {
  /** The peer's URL: the token's resource (RFC 8707) unless `oauth.resource` names another. */
  peerUrl: string;
  fetch?: typeof fetch;
  /** Milliseconds now (fake time in tests). */
  now?: () => number;
  /** Renew this long before the token expires, or at 80 % of its life when that is sooner. */
  renewBeforeMs?: number;
}

/**
 * An access token of x-server's own for an HTTP peer, by the client credentials grant: fetched
 * on first use, cached, fetched again before it expires (or when the peer refuses it); one
 * request at a time however many calls want it.
 */
export class ClientCredentialsToken {
  readonly #client: OAuthClient;
  readonly #options: ClientCredentialsOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  #cached: { token: string; renewAt: number } | undefined;
  #pending: Promise<string> | undefined;
  #tokenUrl: Promise<string> | undefined;
  /** Token requests made (for stats and tests). */
  fetched = 0;

  constructor(client: OAuthClient, options: ClientCredentialsOptions) {
    this.#client = client;
    this.#options = options;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? (() => Date.now());
  }

  /** A valid token: the cached one, or a new one when it is due for renewal. */
  token(): Promise<string> {
    if (this.#cached && this.#now() < this.#cached.renewAt) {
      return Promise.resolve(this.#cached.token);
    }
    this.#pending ??= this.#request().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets the cached token (the peer refused it): the next call fetches another. */
  invalidate(token: string): void {
    if (this.#cached?.token === token) this.#cached = undefined;
  }

  #endpoint(): Promise<string> {
    if (this.#client.tokenUrl) return Promise.resolve(this.#client.tokenUrl);
    this.#tokenUrl ??= this.#discover().catch((error: unknown) => {
      this.#tokenUrl = undefined;
      throw error;
    });
    return this.#tokenUrl;
  }

  async #discover(): Promise<string> {
    for (const url of metadataUrls(this.#client.issuer!)) {
      const response = await this.#fetch(url, { headers: { accept: 'application/json' } });
      if (!response.ok) continue;
      const metadata = (await response.json()) as { token_endpoint?: string };
      if (metadata.token_endpoint) return metadata.token_endpoint;
    }
    throw new Error(`No token_endpoint in the metadata of ${this.#client.issuer}.`);
  }

  async #request(): Promise<string> {
    const endpoint = await this.#endpoint();
    const basic = Buffer.from(
      `${encodeURIComponent(this.#client.clientId)}:${encodeURIComponent(this.#client.clientSecret)}`,
    ).toString('base64');
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      resource: this.#client.resource ?? this.#options.peerUrl,
    });
    if (this.#client.scope) body.set('scope', this.#client.scope);
    const asked = this.#now();
    this.fetched++;
    const response = await this.#fetch(endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body,
    });
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof answer.access_token !== 'string') {
      const why =
        typeof answer.error === 'string'
          ? `${answer.error}: ${answer.error_description ?? ''}`
          : `HTTP ${response.status}`;
      throw new Error(`The token request for client "${this.#client.clientId}" failed (${why}).`);
    }
    const lifeMs = typeof answer.expires_in === 'number' ? answer.expires_in * 1000 : 300_000;
    const early = Math.min(this.#options.renewBeforeMs ?? 60_000, lifeMs * 0.2);
    this.#cached = { token: answer.access_token, renewAt: asked + lifeMs - early };
    return answer.access_token;
  }
}

/**
 * A fetch that sends `source`'s token as the bearer on every request; when the peer answers 401,
 * it forgets that token and tries once more with a new one.
 */
export function bearerFetch(source: ClientCredentialsToken, inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const send = async (token: string) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token}`);
      return inner(input, { ...init, headers });
    };
    const token = await source.token();
    const response = await send(token);
    // A body that is a stream cannot be sent twice; JSON-RPC POSTs are strings.
    if (response.status !== 401 || (init?.body != null && typeof init.body !== 'string')) {
      return response;
    }
    source.invalidate(token);
    await response.body?.cancel();
    return send(await source.token());
  };
}

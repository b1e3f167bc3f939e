import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import Provider, { errors, type ProviderContext } from 'oidc-provider';

/** A port free right now on 127.0.0.1 (a token's audience must name the server's URL up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  scope: string;
}

export interface Issuer {
  issuer: string;
  provider: Provider;
  /** A client-credentials access token from the provider's own token endpoint. */
  token(client: TestClient, options?: { scope?: string; resource?: string }): Promise<string>;
  close(): Promise<void>;
}

/** Where the authorization code flow sends the browser back (nothing listens: the test reads it). */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export const CLIENTS = {
  /** Only the text category. */
  text: { client_id: 'team-text', client_secret: 'secret-of-team-text', scope: 'mcp tools:text' },
  /** Text and time. */
  all: {
    client_id: 'team-all',
    client_secret: 'secret-of-team-all',
    scope: 'mcp tools:text tools:time',
  },
  /** The `everything` peer only (its tools, resources and prompts). */
  peer: {
    client_id: 'team-peer',
    client_secret: 'secret-of-team-peer',
    scope: 'mcp tools:everything',
  },
  /** No `mcp` scope: refused with insufficient_scope where it is required. */
  noMcp: { client_id: 'team-none', client_secret: 'secret-of-team-none', scope: 'tools:text' },
  /** Gets opaque access tokens (checked by introspection), for every resource. */
  opaque: {
    client_id: 'team-opaque',
    client_secret: 'secret-of-team-opaque',
    scope: 'mcp tools:text',
  },
  /** A person's app: authorization code with PKCE (public client), no client credentials. */
  user: { client_id: 'team-app', client_secret: '', scope: 'mcp tools:text' },
  /** x-server itself, for introspection. */
  server: { client_id: 'x-server', client_secret: 'secret-of-x-server', scope: '' },
} satisfies Record<string, TestClient>;

/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1: client credentials grant,
 * resource indicators (JWT access tokens for `jwtResources`, opaque ones for `opaqueResources`),
 * introspection. `ttlSeconds` is the access tokens' lifetime.
 */
export async function startIssuer(options: {
  jwtResources: string[];
  opaqueResources?: string[];
  ttlSeconds?: number;
}): Promise<Issuer> {
  const server: Server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  const clients = Object.values(CLIENTS).map(({ scope, ...client }) =>
    client.client_id === CLIENTS.user.client_id
      ? {
          client_id: client.client_id,
          scope,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: [REDIRECT_URI],
        }
      : {
          ...client,
          ...(scope && { scope }),
          grant_types: scope ? ['client_credentials'] : [],
          redirect_uris: [],
          response_types: [],
        },
  );
  const provider = new Provider(issuer, {
    clients,
    scopes: ['mcp', 'tools:text', 'tools:time', 'tools:everything'],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.jwtResources[0]!,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx: ProviderContext, resource: string) => {
          const jwt =
            options.jwtResources.includes(resource) &&
            ctx.oidc.client?.clientId !== CLIENTS.opaque.client_id;
          if (
            !options.jwtResources.includes(resource) &&
            !options.opaqueResources?.includes(resource)
          )
            throw new errors.InvalidTarget();
          return {
            scope: 'mcp tools:text tools:time tools:everything',
            audience: resource,
            accessTokenTTL: options.ttlSeconds ?? 600,
            accessTokenFormat: jwt ? 'jwt' : 'opaque',
          };
        },
      },
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    provider,
    async token(client, { scope = client.scope, resource = options.jwtResources[0]! } = {}) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || !body.access_token) {
        throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
      }
      return body.access_token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

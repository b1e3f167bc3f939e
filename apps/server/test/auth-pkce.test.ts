import {
  Client,
  type OAuthClientProvider,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, freePort, type Issuer, REDIRECT_URI, startIssuer } from './auth-helpers.js';
import { closeAfterTest, errorText, type HttpHarness, ok, startHttp } from './helpers.js';

// A person signs in: the SDK client's authorization code flow with PKCE, against oidc-provider's
// own login and consent pages, which the test fills in as a browser would.
let issuer: Issuer;
let server: HttpHarness;

beforeAll(async () => {
  const port = await freePort();
  const audience = `http://127.0.0.1:${port}/mcp`;
  issuer = await startIssuer({ jwtResources: [audience] });
  server = await startHttp({
    builtins: ['text', 'time'],
    http: {
      port,
      auth: {
        issuer: issuer.issuer,
        audience,
        // The 401 challenge names these: the SDK client asks for exactly them (MCP spec).
        requiredScopes: ['mcp', 'tools:text'],
        grants: { 'tools:text': { categories: ['text'] }, 'tools:time': { categories: ['time'] } },
        principalInSpans: true,
      },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

/** The OAuthClientProvider of a browser app registered with the provider (a public client). */
class BrowserApp implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  #verifier = '';
  #tokens: Awaited<ReturnType<OAuthClientProvider['tokens']>>;
  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata() {
    return {
      client_name: 'team app',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return { client_id: CLIENTS.user.client_id, issuer: issuer.issuer };
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: NonNullable<Awaited<ReturnType<OAuthClientProvider['tokens']>>>) {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
}

/**
 * A browser: follows the provider's redirects with its cookies, signs in as `login` on the login
 * page and confirms the consent page; answers the redirect back to the app.
 */
async function signIn(start: URL, login: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = start.href;
  let form: Record<string, string> | undefined;
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(form && { body: new URLSearchParams(form) }),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    form = undefined;
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.href.startsWith(REDIRECT_URI)) return next;
      url = next.href;
      continue;
    }
    const page = await response.text();
    // The provider's development pages: a login form, then a consent form, posting to the page.
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (!action) throw new Error(`no form at ${url} (${response.status}): ${page.slice(0, 200)}`);
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    form = /name="login"/.test(page)
      ? { prompt: 'login', login, password: 'any' }
      : { prompt: 'consent' };
  }
  throw new Error('the sign-in did not come back to the app');
}

describe('authorization code with PKCE (a person signs in)', () => {
  it('the SDK client signs in through the provider, and the person sees only their scopes', async () => {
    const app = new BrowserApp();
    const connect = async () => {
      const client = new Client({ name: 'auth-pkce-test', version: '1.0.0' });
      closeAfterTest(() => client.close());
      const transport = new StreamableHTTPClientTransport(new URL(server.url), {
        authProvider: app,
      });
      await client.connect(transport);
      return { client, transport };
    };
    // The first attempt sends the person to the provider.
    const first = new StreamableHTTPClientTransport(new URL(server.url), { authProvider: app });
    const unauthorized = new Client({ name: 'auth-pkce-test', version: '1.0.0' });
    closeAfterTest(() => unauthorized.close());
    await expect(unauthorized.connect(first)).rejects.toThrow(UnauthorizedError);
    const authorization = app.authorizationUrl!;
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('resource')).toBe(server.url);
    expect(authorization.searchParams.get('scope')).toBe('mcp tools:text');

    const back = await signIn(authorization, 'alice');
    expect(back.searchParams.get('error'), back.href).toBeNull();
    await first.finishAuth(back.searchParams);
    expect(app.tokens()?.access_token).toBeTruthy();

    const { client } = await connect();
    const { categories } = ok<{ categories: { name: string }[] }>(
      await client.callTool({ name: 'list_categories', arguments: {} }),
    );
    // The app asked for the challenge's scopes ("mcp tools:text"): time stays closed.
    expect(categories.map((c) => c.name)).toEqual(['text']);
    const refused = errorText(
      await client.callTool({ name: 'dispatch', arguments: { category: 'time', tool: 'now' } }),
    );
    expect(refused).toContain('"tools:time"');
  });
});

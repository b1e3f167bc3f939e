import { z } from 'zod';

/** A positive whole number of milliseconds. */
const durationMs = () => z.number().int().positive();

/**
 * An upstream MCP server reached as a category: a stdio command (spawned per connection) or a
 * Streamable HTTP URL. Exactly one of `command` and `url`.
 */
export const peerSchema = z
  .object({
    command: z
      .string()
      .min(1)
      .optional()
      .describe(
        'a stdio peer: the executable to spawn, e.g. `node` (exactly one of `command` and `url`)',
      ),
    args: z.array(z.string()).default([]).describe('arguments of the stdio command'),
    env: z
      .record(z.string(), z.string())
      .optional()
      .describe("the stdio command's environment, added to a safe default set"),
    cwd: z
      .string()
      .optional()
      .describe("the stdio command's working directory, relative to the config file"),
    url: z.url().optional().describe('a Streamable HTTP peer: its endpoint'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('headers sent with every request to an HTTP peer (e.g. `Authorization`)'),
    oauth: z
      .object({
        issuer: z
          .url()
          .optional()
          .describe('the authorization server; its metadata names the token endpoint'),
        tokenUrl: z.url().optional().describe('the token endpoint, when not found from `issuer`'),
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        scope: z.string().min(1).optional().describe('scopes to ask for, space-separated'),
        resource: z
          .url()
          .optional()
          .describe("the peer's resource identifier (RFC 8707; default: its `url`)"),
      })
      .strict()
      .optional()
      .describe(
        "an HTTP peer's own OAuth client credentials: token fetched, cached, renewed before expiry",
      ),
    description: z
      .string()
      .min(1)
      .optional()
      .describe(
        'what `list_categories` says (default: `Tools of the peer MCP server "<name>" (…)`)',
      ),
    priority: z
      .number()
      .int()
      .optional()
      .describe("scheduling priority of the peer's calls (`0` when unset)"),
    timeoutMs: durationMs()
      .default(60_000)
      .describe(
        'a call without an answer by then fails with `PEER_TIMEOUT` and is cancelled on the peer',
      ),
    cache: z
      .boolean()
      .optional()
      .describe(
        '`true`/`false`: cache every / no tool of the peer (unset: the annotations decide)',
      ),
    cacheTools: z
      .record(z.string(), z.boolean())
      .default({})
      .describe('per tool: `{ "read_graph": false }`; wins over `cache` and the annotations'),
    cacheTtlMs: durationMs()
      .optional()
      .describe("TTL of the peer's cached results (default: `cache.defaultTtlMs`)"),
    expose: z
      .enum(['meta', 'direct', 'both'])
      .default('meta')
      .describe(
        "how the peer's tools reach clients: `meta` (through `dispatch` and the catalog meta-tools), `direct` (in `tools/list` as `<prefix><tool>`), or `both`",
      ),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{0,64}$/, 'letters, digits, "_", "-" or ".", at most 64')
      .optional()
      .describe(
        'put before the names of the peer\'s direct tools and prompts (default: `<name>__`; `""` for none)',
      ),
    tools: z
      .object({
        allow: z
          .array(z.string().min(1))
          .optional()
          .describe('glob patterns (`*`, `?`): only these tools of the peer are used'),
        deny: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'glob patterns (`*`, `?`): these tools of the peer are never used (wins over `allow`)',
          ),
      })
      .strict()
      .prefault({})
      .describe(
        'which tools of the peer any client sees or calls, in every exposure and `dispatch`',
      ),
    resourceCacheTtlMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe(
        'TTL of cached `resources/read` and `prompts/get` answers of the peer (`0`: not cached)',
      ),
  })
  .strict()
  .superRefine((peer, ctx) => {
    if ((peer.command === undefined) === (peer.url === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a peer needs exactly one of "command" (stdio) or "url" (Streamable HTTP)',
      });
    }
    if (peer.oauth) {
      const headerAuth = Object.keys(peer.headers).some((h) => h.toLowerCase() === 'authorization');
      const problem =
        peer.url === undefined
          ? '"oauth" is for HTTP peers ("url")'
          : headerAuth
            ? 'set either an Authorization header or "oauth", not both'
            : peer.oauth.issuer === undefined && peer.oauth.tokenUrl === undefined
              ? '"oauth" needs "issuer" or "tokenUrl"'
              : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['oauth'], message: problem });
    }
  });

export type PeerConfig = z.output<typeof peerSchema>;

/** What is put before the names of a peer's direct tools and prompts: `prefix`, else `<name>__`. */
export function peerPrefix(name: string, peer: Pick<PeerConfig, 'prefix'>): string {
  return peer.prefix ?? `${name}__`;
}

import { z } from 'zod';
import { peerSchema } from './peer-schema.js';

export type { PeerConfig } from './peer-schema.js';

/** A category's name: built-ins, plugins and peers share this namespace. */
export const categoryName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,63}$/,
    'lowercase letters, digits, "-" or "_", starting with a letter',
  );

const positiveInt = () => z.number().int().positive();

const grant = z
  .object({
    categories: z.array(categoryName).optional().describe('categories this scope opens, whole'),
    tools: z
      .array(z.string().min(1))
      .optional()
      .describe('`category/tool` globs this scope opens (`*` matches any run of characters)'),
  })
  .strict();

const httpAuth = z
  .object({
    issuer: z
      .url()
      .describe(
        'OAuth authorization server (issuer URL): its metadata names its JWKS and endpoints',
      ),
    audience: z
      .url()
      .describe(
        "this server's resource identifier (RFC 8707), its public `/mcp` URL: tokens must name it in `aud`",
      ),
    introspection: z
      .object({
        endpoint: z.url().optional().describe("defaults to the issuer's `introspection_endpoint`"),
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
      })
      .strict()
      .optional()
      .describe(
        'check opaque (non-JWT) tokens by RFC 7662 introspection, with these client credentials',
      ),
    requiredScopes: z
      .array(z.string().min(1))
      .default([])
      .describe('scopes every token needs for `/mcp` (else 403 `insufficient_scope`)'),
    grants: z
      .record(z.string().min(1), grant)
      .optional()
      .describe(
        '`{ "<scope>": { categories?, tools? } }`: what each scope opens; unset, a valid token opens everything',
      ),
    rateLimit: z
      .object({
        perMinute: positiveInt().describe('calls a principal may make per category per minute'),
        burst: positiveInt().optional().describe('calls allowed at once (default: `perMinute`)'),
      })
      .strict()
      .optional()
      .describe(
        'token bucket per principal (token subject or client id) and category; shared through Redis with `cluster.shared`',
      ),
    principalInSpans: z
      .boolean()
      .default(false)
      .describe(
        'spans name the caller (token subject or client id) as `enduser.id`, and `/metrics` counts calls per caller (`x_server_principal_calls_total`)',
      ),
  })
  .strict();

const http = z
  .object({
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(3000)
      .describe('port to listen on (`0` picks a free one)'),
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('address to bind; a non-loopback address requires `http.token` or `http.auth`'),
    stateless: z
      .boolean()
      .default(false)
      .describe('no sessions: a fresh server per POST, for load balancers'),
    token: z
      .string()
      .min(16, 'use at least 16 characters')
      .optional()
      .describe('bearer token (16+ chars) required on `/mcp` and `/metrics`'),
    allowedHosts: z
      .array(z.string())
      .default([])
      .describe('Host names accepted besides loopback names and the bound address'),
    allowedOrigins: z
      .array(z.string())
      .default([])
      .describe('browser Origins accepted (loopback Origins are accepted on a loopback bind)'),
    maxBodyBytes: positiveInt().default(1_000_000).describe('larger request bodies get 413'),
    sessionIdleMs: positiveInt()
      .default(15 * 60_000)
      .describe('a session without a request for this long is closed'),
    maxSessions: positiveInt().default(1000).describe('beyond it, new sessions get 503'),
    auth: httpAuth
      .optional()
      .describe('OAuth 2.1 resource server: verify access tokens of `issuer` (instead of `token`)'),
  })
  .strict()
  .superRefine((http, ctx) => {
    if (http.auth && http.token !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth'],
        message: 'set either http.token (one static token) or http.auth (OAuth), not both',
      });
    }
  })
  .prefault({});

const plugin = z
  .object({
    name: categoryName,
    module: z.string().min(1),
    description: z.string().min(1),
    priority: z.number().int().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const gateway = z
  .object({
    connectTimeoutMs: positiveInt()
      .default(10_000)
      .describe(
        'longest wait for a connection (spawn, protocol version probe and handshake, or a full pool)',
      ),
    maxConnectionsPerPeer: positiveInt()
      .max(64)
      .default(1)
      .describe('connections per peer (each multiplexes calls; for stdio, each is a process)'),
    idleTimeoutMs: positiveInt()
      .default(5 * 60_000)
      .describe('an unused connection is closed after this long'),
    pingIntervalMs: positiveInt()
      .default(30_000)
      .describe(
        'a connection quiet longer than this is checked before it is reused (`ping`; `server/discover` for a 2026-07-28 peer)',
      ),
  })
  .strict()
  .prefault({});

const workflows = z
  .object({
    templates: z
      .array(z.record(z.string(), z.unknown()))
      .default([])
      .describe('workflow templates (see Workflows)'),
    dir: z
      .string()
      .optional()
      .describe('a folder of `*.json` templates, relative to the config file'),
    maxConcurrentSteps: positiveInt()
      .default(64)
      .describe('workflow steps running at once across all runs'),
  })
  .strict()
  .prefault({});

const categoryOverride = z
  .object({
    priority: z
      .number()
      .int()
      .optional()
      .describe("scheduling priority of the category's calls (higher first; `0` when unset)"),
    timeoutMs: positiveInt()
      .optional()
      .describe(
        'a call running longer fails with `ERR_BREAKER_TIMEOUT` (counts against the breaker)',
      ),
  })
  .strict();

const cache = z
  .object({
    dir: z
      .string()
      .min(1)
      .optional()
      .describe(
        "disk tier directory, relative to cwd; default: the platform's cache folder (`~/.cache/x-server` on Linux, see Quick start). If it cannot be created, the server warns and runs without a disk tier",
      ),
    disk: z.boolean().default(true).describe('keep a disk tier behind the memory tier'),
    memoryMaxEntries: positiveInt().default(10_000).describe('memory tier bound'),
    diskMaxBytes: positiveInt()
      .default(100 * 1024 * 1024)
      .describe('disk tier bound'),
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
      .optional()
      .describe(
        'a shared Redis tier below memory (and disk): `redis://host:6379` or `rediss://…` (also `--redis`)',
      ),
    namespace: z
      .string()
      .min(1)
      .default('x-server')
      .describe(
        'key prefix in the shared tier; instances that should share results use the same one',
      ),
    defaultTtlMs: positiveInt()
      .default(5 * 60_000)
      .describe('TTL of cached results for tools that declare no `cacheTtlMs`'),
  })
  .strict()
  .prefault({});

/** Many instances on one Redis: what they share besides the result cache (`cache.redisUrl`). */
const cluster = z
  .object({
    instanceId: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe(
        "this instance's name in `server_stats`, `/metrics` (`x_server_instance_info{instance_id}`) and the events it shares (default: `<hostname>:<pid>`)",
      ),
    shared: z
      .boolean()
      .default(true)
      .describe(
        'with `cache.redisUrl`: share the idempotency window, the coalescing of cacheable calls and `subscriptions/listen` events through Redis (`false`: only the result cache is shared)',
      ),
    leaseMs: positiveInt()
      .min(100)
      .default(5_000)
      .describe(
        'lease of a run other instances wait for (renewed while it runs): an instance that died is taken over after this long',
      ),
    commandTimeoutMs: positiveInt()
      .default(250)
      .describe(
        'a Redis command slower than this fails and the call goes on per instance (counted in `server_stats` → `cluster.errors`)',
      ),
  })
  .strict()
  .prefault({});

const telemetry = z
  .object({
    enabled: z.boolean().default(true).describe('record one span per call'),
    dir: z
      .string()
      .min(1)
      .optional()
      .describe(
        "rotating JSONL files, relative to cwd; default: the platform's state folder (`~/.local/state/x-server/telemetry` on Linux, see Quick start). If it cannot be created, the server warns and records no spans to files",
      ),
    maxFileBytes: positiveInt()
      .default(10 * 1024 * 1024)
      .describe('rotate past this size'),
    maxFiles: positiveInt().default(5).describe('rotated files kept'),
    flushIntervalMs: positiveInt().default(5_000).describe('export at least this often'),
    otlpUrl: z
      .url()
      .optional()
      .describe('also export to this OTLP/HTTP endpoint (e.g. `http://127.0.0.1:4318/v1/traces`)'),
  })
  .strict()
  .prefault({});

/**
 * The whole configuration, and the one place its defaults live: every field has a default (or
 * is optional), so `{}` is a valid config. Unknown fields are refused at every level, so a
 * misspelt option is an error instead of a silent default. The README's configuration table is
 * generated from the descriptions and defaults here (`pnpm docs:config`).
 */
export const configSchema = z
  .object({
    http,
    fs: z
      .object({
        root: z
          .string()
          .default('.')
          .describe('the only directory `fs` may read (relative to the config file, or cwd)'),
      })
      .strict()
      .prefault({}),
    builtins: z
      .array(z.enum(['text', 'time', 'fs', 'demo']))
      .default(['text', 'time', 'fs', 'demo'])
      .describe('built-in categories to offer'),
    plugins: z
      .array(plugin)
      .default([])
      .describe('`[{ name, module, description, priority?, options? }]` (see Plugin categories)'),
    gateway,
    peers: z
      .record(categoryName, peerSchema)
      .default({})
      .describe('upstream MCP servers, each offered as a lazy category of the same name'),
    workflows,
    categories: z
      .record(categoryName, categoryOverride)
      .default({})
      .describe('per-category overrides'),
    cache,
    cluster,
    telemetry,
    scheduler: z
      .object({
        concurrency: positiveInt()
          .default(32)
          .describe('calls running at once, across all sessions'),
      })
      .strict()
      .prefault({}),
    breaker: z
      .object({
        failureThreshold: positiveInt()
          .default(5)
          .describe("consecutive failures that open a category's circuit"),
        recoveryTimeoutMs: positiveInt()
          .default(30_000)
          .describe('how long an open circuit waits before a trial call'),
      })
      .strict()
      .prefault({}),
    idempotency: z
      .object({
        windowMs: z
          .number()
          .int()
          .min(0)
          .default(60_000)
          .describe('how long an idempotency key is remembered'),
        maxKeys: positiveInt().default(10_000).describe('keys kept at most (oldest dropped)'),
      })
      .strict()
      .prefault({}),
    shutdownGraceMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('how long shutdown waits for calls in flight before aborting them'),
  })
  .strict()
  .superRefine((config, ctx) => {
    // Built-ins, plugins and peers are all categories: one name, one category.
    const owners = new Map<string, string>(config.builtins.map((name) => [name, 'a built-in']));
    const claim = (name: string, owner: string, path: (string | number)[]) => {
      const taken = owners.get(name);
      if (taken === undefined) owners.set(name, owner);
      else
        ctx.addIssue({
          code: 'custom',
          path,
          message: `category "${name}" is ${taken} already; rename it`,
        });
    };
    config.plugins.forEach((plugin, index) => {
      claim(plugin.name, 'a plugin', ['plugins', index, 'name']);
    });
    for (const name of Object.keys(config.peers)) claim(name, 'a peer', ['peers', name]);
  });

export type XServerConfig = z.output<typeof configSchema>;
export type XServerConfigInput = z.input<typeof configSchema>;
/** The `http` section, as the HTTP transport takes it. */
export type HttpConfig = XServerConfig['http'];
/** `http.auth`: x-server as an OAuth 2.1 resource server. */
export type HttpAuthConfig = NonNullable<HttpConfig['auth']>;
/** The `gateway` section: the one connection pool shared by every peer. */
export type GatewayConfig = XServerConfig['gateway'];

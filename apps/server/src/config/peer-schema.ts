import { z } from 'zod';

/** A positive whole number of milliseconds. */
export const durationMs = z.number().int().positive();

/**
 * An upstream MCP server reached as a category: a stdio command (spawned per connection) or a
 * Streamable HTTP URL. Exactly one of `command` and `url`.
 */
export const peerSchema = z
  .object({
    /** Executable of a stdio peer, e.g. `node` or `npx`. */
    command: z.string().min(1).optional(),
    /** Arguments of the stdio command. */
    args: z.array(z.string()).default([]),
    /** Extra environment of the stdio command (on top of a safe default set). */
    env: z.record(z.string(), z.string()).optional(),
    /** Working directory of the stdio command, relative to the config file. */
    cwd: z.string().optional(),
    /** Streamable HTTP endpoint of an HTTP peer. */
    url: z.url().optional(),
    /** Headers sent with every request to an HTTP peer (e.g. Authorization). */
    headers: z.record(z.string(), z.string()).default({}),
    /** What list_categories says about the peer. */
    description: z.string().min(1).optional(),
    /** Scheduling priority of the peer's calls (higher first). */
    priority: z.number().int().optional(),
    /** A call to the peer running longer fails with a timeout (and the peer is told to cancel). */
    timeoutMs: durationMs.default(60_000),
    /** Cache every tool (`true`), none (`false`); unset: read-only + idempotent annotations decide. */
    cache: z.boolean().optional(),
    /** Per-tool cache decision, over `cache` and the annotations. */
    cacheTools: z.record(z.string(), z.boolean()).default({}),
    /** TTL of the peer's cached results. @default cache.defaultTtlMs */
    cacheTtlMs: durationMs.optional(),
  })
  .strict()
  .superRefine((peer, ctx) => {
    if ((peer.command === undefined) === (peer.url === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a peer needs exactly one of "command" (stdio) or "url" (Streamable HTTP)',
      });
    }
  });

export type PeerConfig = z.output<typeof peerSchema>;

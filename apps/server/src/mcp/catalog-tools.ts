import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { CategoryRegistry } from '../catalog/registry.js';
import { searchTools } from '../catalog/search.js';
import { isCacheable } from '../catalog/tool.js';
import { structured, toolError } from './results.js';

const lookup = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

const toolSummary = z.object({
  name: z.string(),
  description: z.string(),
  readOnly: z.boolean(),
  idempotent: z.boolean(),
  cached: z.boolean(),
});

/**
 * Answers of get_tool_schema, built once per tool and kept until the category's tool list
 * changes (only a peer's does, and then `forget` drops its answers).
 */
export class SchemaCache {
  readonly #answers = new Map<string, Record<string, unknown>>();
  #hits = 0;
  #misses = 0;

  async get(
    registry: CategoryRegistry,
    category: string,
    tool: string,
  ): Promise<Record<string, unknown>> {
    const key = `${category}\u0000${tool}`;
    const known = this.#answers.get(key);
    if (known) {
      this.#hits++;
      return known;
    }
    this.#misses++;
    const found = await registry.tool(category, tool);
    const answer = {
      category,
      tool,
      description: found.description,
      inputSchema: found.jsonSchema(),
      annotations: { ...found.hints },
    };
    this.#answers.set(key, answer);
    return answer;
  }

  /** Drops the answers of one category, whose tools changed. */
  forget(category: string): void {
    const prefix = `${category}\u0000`;
    for (const key of this.#answers.keys()) if (key.startsWith(prefix)) this.#answers.delete(key);
  }

  stats(): { entries: number; hits: number; misses: number } {
    return { entries: this.#answers.size, hits: this.#hits, misses: this.#misses };
  }
}

export function registerCatalogTools(
  server: McpServer,
  registry: CategoryRegistry,
  schemas: SchemaCache,
): void {
  server.registerTool(
    'list_categories',
    {
      title: 'List tool categories',
      description:
        'List the categories of tools this server offers, without loading them. Start here, then call list_tools for one category.',
      inputSchema: {},
      outputSchema: {
        categories: z.array(
          z.object({
            name: z.string(),
            description: z.string(),
            loaded: z.boolean(),
            toolCount: z.number().optional(),
          }),
        ),
      },
      annotations: lookup,
    },
    () => structured({ categories: registry.list() }),
  );

  server.registerTool(
    'list_tools',
    {
      title: 'List the tools of a category',
      description: 'List the tools of one category (loading it on first use), with their hints.',
      inputSchema: { category: z.string().describe('A name from list_categories') },
      outputSchema: { category: z.string(), tools: z.array(toolSummary) },
      annotations: lookup,
    },
    async ({ category }) => {
      try {
        const tools = [...(await registry.tools(category)).values()].map((tool) => ({
          name: tool.name,
          description: tool.description,
          readOnly: tool.hints.readOnlyHint === true,
          idempotent: tool.hints.idempotentHint === true,
          cached: isCacheable(tool),
        }));
        return structured({ category, tools });
      } catch (error) {
        return toolError(error);
      }
    },
  );

  server.registerTool(
    'search_tools',
    {
      title: 'Search tools',
      description:
        'Find tools in every category by words of their name or description, best match first.',
      inputSchema: {
        query: z.string().min(1).describe('Words to look for, e.g. "hash sha256"'),
        limit: z.number().int().positive().max(100).default(20).describe('Most hits to return'),
      },
      outputSchema: {
        hits: z.array(
          z.object({
            category: z.string(),
            tool: z.string(),
            description: z.string(),
            score: z.number(),
          }),
        ),
        unavailable: z.array(z.object({ category: z.string(), error: z.string() })),
      },
      annotations: lookup,
    },
    async ({ query, limit }) => structured({ ...(await searchTools(registry, query, limit)) }),
  );

  server.registerTool(
    'get_tool_schema',
    {
      title: 'Get a tool input schema',
      description: "The JSON Schema of a tool's params, to build a correct dispatch call.",
      inputSchema: { category: z.string(), tool: z.string() },
      outputSchema: {
        category: z.string(),
        tool: z.string(),
        description: z.string(),
        inputSchema: z.record(z.string(), z.unknown()),
        annotations: z.record(z.string(), z.unknown()),
      },
      annotations: lookup,
    },
    async ({ category, tool }) => {
      try {
        return structured(await schemas.get(registry, category, tool));
      } catch (error) {
        return toolError(error);
      }
    },
  );
}

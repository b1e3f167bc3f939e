import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  type CategoryRegistry,
  isCacheable,
  type SchemaCache,
  searchTools,
} from '../catalog/index.js';
import { handler } from './handler.js';

const lookup = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

const toolSummary = z.object({
  name: z.string(),
  description: z.string(),
  readOnly: z.boolean(),
  idempotent: z.boolean(),
  cached: z.boolean(),
});

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
    handler(() => ({ categories: registry.list() })),
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
    handler(async ({ category }) => {
      const tools = [...(await registry.tools(category)).values()].map((tool) => ({
        name: tool.name,
        description: tool.description,
        readOnly: tool.hints.readOnlyHint === true,
        idempotent: tool.hints.idempotentHint === true,
        cached: isCacheable(tool),
      }));
      return { category, tools };
    }),
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
    handler(async ({ query, limit }) => ({ ...(await searchTools(registry, query, limit)) })),
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
    handler(({ category, tool }) => schemas.get(registry, category, tool)),
  );
}

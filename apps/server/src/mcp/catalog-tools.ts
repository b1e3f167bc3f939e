import { z } from 'zod';
import {
  type CategoryRegistry,
  isCacheable,
  type SchemaCache,
  searchTools,
} from '../catalog/index.js';
import { type MetaTool, metaTool } from './tool-kit.js';

const lookup = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

const toolSummary = z.object({
  name: z.string(),
  description: z.string(),
  readOnly: z.boolean(),
  idempotent: z.boolean(),
  cached: z.boolean(),
});

export function catalogTools(registry: CategoryRegistry, schemas: SchemaCache): MetaTool[] {
  return [
    metaTool({
      name: 'list_categories',
      title: 'List tool categories',
      description:
        'List the categories of tools this server offers, without loading them. Start here, then call list_tools for one category.',
      input: z.object({}),
      output: z.object({
        categories: z.array(
          z.object({
            name: z.string(),
            description: z.string(),
            loaded: z.boolean(),
            toolCount: z.number().optional(),
          }),
        ),
      }),
      annotations: lookup,
      work: () => ({ categories: registry.list() }),
    }),

    metaTool({
      name: 'list_tools',
      title: 'List the tools of a category',
      description: 'List the tools of one category (loading it on first use), with their hints.',
      input: z.object({ category: z.string().describe('A name from list_categories') }),
      output: z.object({ category: z.string(), tools: z.array(toolSummary) }),
      annotations: lookup,
      work: async ({ category }) => {
        const tools = [...(await registry.tools(category)).values()].map((tool) => ({
          name: tool.name,
          description: tool.description,
          readOnly: tool.hints.readOnlyHint === true,
          idempotent: tool.hints.idempotentHint === true,
          cached: isCacheable(tool),
        }));
        return { category, tools };
      },
    }),

    metaTool({
      name: 'search_tools',
      title: 'Search tools',
      description:
        'Find tools in every category by words of their name or description, best match first.',
      input: z.object({
        query: z.string().min(1).describe('Words to look for, e.g. "hash sha256"'),
        limit: z.number().int().positive().max(100).default(20).describe('Most hits to return'),
      }),
      output: z.object({
        hits: z.array(
          z.object({
            category: z.string(),
            tool: z.string(),
            description: z.string(),
            score: z.number(),
          }),
        ),
        unavailable: z.array(z.object({ category: z.string(), error: z.string() })),
      }),
      annotations: lookup,
      work: async ({ query, limit }) => ({ ...(await searchTools(registry, query, limit)) }),
    }),

    metaTool({
      name: 'get_tool_schema',
      title: 'Get a tool input schema',
      description: "The JSON Schema of a tool's params, to build a correct dispatch call.",
      input: z.object({ category: z.string(), tool: z.string() }),
      output: z.object({
        category: z.string(),
        tool: z.string(),
        description: z.string(),
        inputSchema: z.record(z.string(), z.unknown()),
        annotations: z.record(z.string(), z.unknown()),
      }),
      annotations: lookup,
      work: ({ category, tool }) => schemas.get(registry, category, tool),
    }),
  ];
}

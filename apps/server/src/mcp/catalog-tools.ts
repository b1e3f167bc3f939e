import { z } from 'zod';
import { currentAccess, ForbiddenError } from '../auth/index.js';
import {
  type CategoryRegistry,
  isCacheable,
  type SchemaCache,
  searchTools,
} from '../catalog/index.js';
import { type MetaTool, metaTool } from './tool-kit.js';

/** Refuses a category (or one tool of it) the scoped caller may not use, naming the scopes. */
function checkVisible(category: string, tool?: string): void {
  const access = currentAccess();
  if (!access?.grants) return;
  if (tool === undefined ? access.seesCategory(category) : access.mayCall(category, tool)) return;
  const scopes =
    tool === undefined
      ? access.grants.scopesForCategory(category)
      : access.grants.scopesForTool(category, tool);
  throw new ForbiddenError(tool === undefined ? category : `${category}/${tool}`, scopes);
}

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
      work: () => {
        const access = currentAccess();
        const categories = registry.list();
        return {
          categories: access ? categories.filter((c) => access.seesCategory(c.name)) : categories,
        };
      },
    }),

    metaTool({
      name: 'list_tools',
      title: 'List the tools of a category',
      description: 'List the tools of one category (loading it on first use), with their hints.',
      input: z.object({ category: z.string().describe('A name from list_categories') }),
      output: z.object({ category: z.string(), tools: z.array(toolSummary) }),
      annotations: lookup,
      work: async ({ category }) => {
        checkVisible(category);
        const access = currentAccess();
        const all = [...(await registry.tools(category)).values()];
        const open = access ? all.filter((tool) => access.mayCall(category, tool.name)) : all;
        const tools = open.map((tool) => ({
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
      work: async ({ query, limit }) => {
        const access = currentAccess();
        if (!access?.grants) return { ...(await searchTools(registry, query, limit)) };
        // A scoped caller: hits it may not call, and hidden categories that failed, are left out.
        const found = await searchTools(registry, query, 100);
        return {
          hits: found.hits.filter((hit) => access.mayCall(hit.category, hit.tool)).slice(0, limit),
          unavailable: found.unavailable.filter((u) => access.seesCategory(u.category)),
        };
      },
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
      work: ({ category, tool }) => {
        checkVisible(category, tool);
        return schemas.get(registry, category, tool);
      },
    }),
  ];
}

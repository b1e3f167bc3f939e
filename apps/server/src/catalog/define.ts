import type { CategorySpec, LoadedCategory } from './registry.js';
import { resolveZodTool, type ToolDefinition } from './tool.js';

/** A category of zod-declared tools, as `defineCategory` takes it. */
export interface CategoryDefinition {
  /** Lowercase identifier, e.g. `weather`: letters, digits, `-` or `_`, starting with a letter. */
  name: string;
  /** What `list_categories` says about it: the model reads this to decide whether to look inside. */
  description: string;
  /** Default scheduling priority of the category's calls (higher runs first). @default 0 */
  priority?: number;
  /**
   * Its tools (build them with `defineTool`). Called on the category's first use, not at start:
   * import heavy modules or open connections here.
   */
  tools: () => readonly ToolDefinition[] | Promise<readonly ToolDefinition[]>;
  /** Releases what `tools()` opened; called once at shutdown. */
  close?: () => Promise<void> | void;
}

/**
 * A lazily loaded category of zod tools, for `new XServer({ categories: [...] })`.
 *
 * @example
 * defineCategory({
 *   name: 'weather',
 *   description: 'Current weather by city.',
 *   tools: () => [defineTool({ name: 'now', description: '…', input: z.object({ city: z.string() }), run: … })],
 * })
 */
export function defineCategory(definition: CategoryDefinition): CategorySpec {
  const { name, description, priority, tools, close } = definition;
  return {
    name,
    description,
    ...(priority === undefined ? {} : { priority }),
    async load(): Promise<LoadedCategory> {
      const list = await tools();
      return {
        tools: list.map((tool) => resolveZodTool(name, tool)),
        ...(close ? { close } : {}),
      };
    },
  };
}

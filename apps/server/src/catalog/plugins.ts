import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CategorySpec, LoadedCategory } from './registry.js';
import { resolveZodTool, type ToolDefinition } from './tool.js';

/** A plugin category from the config: a module that is imported only when first used. */
export interface PluginConfig {
  name: string;
  /** A package name or a path (relative to `baseDir`) of an ES module. */
  module: string;
  description: string;
  priority?: number;
  /** Handed to the module's default export when it is a function. */
  options?: Record<string, unknown>;
}

/**
 * The module contract: a default export (or a `category` export) that is either
 * `{ tools: ToolDefinition[] }` or a function of the options returning it (sync or async).
 */
export interface PluginModule {
  tools: ToolDefinition[];
  close?: () => Promise<void> | void;
}

type PluginExport =
  | PluginModule
  | ((options: Record<string, unknown>) => PluginModule | Promise<PluginModule>);

function specifierFor(module: string, baseDir: string): string {
  if (module.startsWith('.') || isAbsolute(module)) {
    return pathToFileURL(resolve(baseDir, module)).href;
  }
  return module;
}

export function pluginCategory(plugin: PluginConfig, baseDir: string): CategorySpec {
  return {
    name: plugin.name,
    description: plugin.description,
    priority: plugin.priority,
    async load(): Promise<LoadedCategory> {
      const imported = (await import(specifierFor(plugin.module, baseDir))) as {
        default?: PluginExport;
        category?: PluginExport;
      };
      const exported = imported.default ?? imported.category;
      if (!exported) {
        throw new TypeError(
          `module "${plugin.module}" has neither a default export nor a "category" export`,
        );
      }
      const mod = typeof exported === 'function' ? await exported(plugin.options ?? {}) : exported;
      if (!mod || !Array.isArray(mod.tools)) {
        throw new TypeError(`module "${plugin.module}" must export { tools: [...] }`);
      }
      return {
        tools: mod.tools.map((tool) => resolveZodTool(plugin.name, tool)),
        close: mod.close,
      };
    },
  };
}

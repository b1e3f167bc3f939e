// The catalog layer: categories and their tools, loaded lazily; search; schema answers.
export { type BuiltinName, builtinCategories } from './builtins/index.js';
export { type CategoryDefinition, defineCategory } from './define.js';
export { type PluginConfig, type PluginModule, pluginCategory } from './plugins.js';
export {
  type CategoryInfo,
  CategoryRegistry,
  type CategorySpec,
  type LoadedCategory,
  type RegistryStats,
} from './registry.js';
export { SchemaCache } from './schema-cache.js';
export { type SearchHit, type SearchResult, searchTools } from './search.js';
export {
  type ClientChannel,
  type ClientRequestMethod,
  type ContentAnswer,
  defineTool,
  isCacheable,
  type LogLevel,
  type ResolvedTool,
  resolveZodTool,
  type ToolContext,
  type ToolDefinition,
  type ToolHints,
  type ToolProgress,
  type TraceContext,
  type Validation,
} from './tool.js';

// The mcp layer: the tools the model sees, built on the pipeline, the catalog and workflows.

export type { CallShortcut } from './call-shortcut.js';
export { DirectTools, type DirectToolsOptions, type DirectToolsStats } from './direct-tools.js';
export { LiveServers } from './live-servers.js';
export {
  buildMcpDefinitions,
  callShortcut,
  createMcpServer,
  type McpDefinitions,
  type McpSurface,
  META_TOOLS_TTL_MS,
} from './server.js';

// The mcp layer: the tools the model sees, built on the pipeline, the catalog and workflows.
export {
  buildMcpDefinitions,
  createMcpServer,
  type McpDefinitions,
  type McpSurface,
  META_TOOLS_TTL_MS,
} from './server.js';

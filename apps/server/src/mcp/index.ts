// The mcp layer: the tools the model sees, built on the pipeline, the catalog and workflows.
export { createMcpServer, type McpSurface } from './server.js';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CategoryRegistry, SchemaCache } from '../catalog/index.js';
import type { Dispatcher } from '../pipeline/index.js';
import type { TemplateLibrary, WorkflowRunner } from '../workflows/index.js';
import { registerCallTools } from './call-tools.js';
import { registerCatalogTools } from './catalog-tools.js';
import { registerWorkflowTools } from './workflow-tools.js';

/** What the model-facing tools read and call; one set, shared by every MCP server instance. */
export interface McpSurface {
  info: { name: string; version: string };
  registry: CategoryRegistry;
  schemas: SchemaCache;
  dispatcher: Dispatcher;
  workflows: WorkflowRunner;
  templates: TemplateLibrary;
  stats: () => Record<string, unknown>;
}

const INSTRUCTIONS =
  'Tools are grouped in categories. Call list_categories, then list_tools or search_tools, get_tool_schema, and call a tool with dispatch (or many with dispatch_parallel). workflow_run runs a DAG of calls, inline or from list_workflow_templates.';

/** A fresh SDK `McpServer` with the meta-tools, for one session or one stdio connection. */
export function createMcpServer(surface: McpSurface): McpServer {
  const server = new McpServer(surface.info, {
    capabilities: { tools: {} },
    instructions: INSTRUCTIONS,
  });
  registerCatalogTools(server, surface.registry, surface.schemas);
  registerCallTools(server, surface.dispatcher, surface.stats);
  registerWorkflowTools(server, surface.workflows, surface.templates);
  return server;
}

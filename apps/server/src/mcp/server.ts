import {
  type CallToolResult,
  isInputRequiredResult,
  type LoggingLevel,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerOptions,
} from '@modelcontextprotocol/server';
import { accessOf, runAs } from '../auth/index.js';
import type { CategoryRegistry, SchemaCache } from '../catalog/index.js';
import type { Dispatcher } from '../pipeline/index.js';
import type { TemplateLibrary, WorkflowRunner } from '../workflows/index.js';
import { CallShortcut, type CallTool } from './call-shortcut.js';
import { callTools } from './call-tools.js';
import { catalogTools } from './catalog-tools.js';
import { serveWithClient } from './client-channel.js';
import type { DirectTools } from './direct-tools.js';
import type { PeerFeatureHub } from './peer-features.js';
import { toolError } from './results.js';
import { buildDefinitions, parseArguments, type ToolDefinitions } from './tool-kit.js';
import { workflowTools } from './workflow-tools.js';

/** What the model-facing tools read and call; one set, shared by every MCP server instance. */
export interface McpSurface {
  info: { name: string; version: string };
  registry: CategoryRegistry;
  schemas: SchemaCache;
  dispatcher: Dispatcher;
  workflows: WorkflowRunner;
  templates: TemplateLibrary;
  stats: () => Record<string, unknown>;
  /** The tools of `direct` and `both` peers, listed in `tools/list` beside the meta-tools. */
  direct?: DirectTools | undefined;
  /** The peers' resources, prompts and completions (peer-features.ts). */
  peerFeatures?: PeerFeatureHub | undefined;
}

const INSTRUCTIONS =
  'Tools are grouped in categories. Call list_categories, then list_tools or search_tools, get_tool_schema, and call a tool with dispatch (or many with dispatch_parallel). workflow_run runs a DAG of calls, inline or from list_workflow_templates.';

/**
 * How long a client may keep x-server's `tools/list` and `server/discover` answers (2026-07-28
 * caching hints). The meta-tools are fixed for the life of the process and the same for every
 * caller, so the answers are public and long-lived; a change would still reach listening
 * clients as `notifications/tools/list_changed` (`subscriptions/listen`).
 */
export const META_TOOLS_TTL_MS = 60 * 60 * 1000;

/**
 * The `tools/list` hint when peers are exposed directly: the list follows the peers' own lists,
 * which change when they say so, so no client is promised it for any time (`ttlMs: 0`); it is
 * still the same for every caller. Changes reach clients as `notifications/tools/list_changed`.
 */
export const DIRECT_TOOLS_HINT = { ttlMs: 0, cacheScope: 'public' } as const;

/**
 * The meta-tools, built once per `XServer`: names, descriptions, JSON Schemas from the zod
 * schemas and annotations, and the server options. A server instance only points at them.
 */
export interface McpDefinitions {
  info: { name: string; version: string };
  tools: ToolDefinitions;
  options: ServerOptions;
  /** The directly exposed peers' tools, when any peer is `direct` or `both`. */
  direct: DirectTools | undefined;
  /** The peers' resources, prompts and completions, served when there are peers. */
  peerFeatures?: PeerFeatureHub | undefined;
}

export function buildMcpDefinitions(surface: McpSurface): McpDefinitions {
  const tools = buildDefinitions([
    ...catalogTools(surface.registry, surface.schemas),
    ...callTools(surface.dispatcher, surface.stats),
    ...workflowTools(surface.workflows, surface.templates),
  ]);
  const hint = { ttlMs: META_TOOLS_TTL_MS, cacheScope: 'public' } as const;
  // A peer tool may not take a meta-tool's name.
  const direct = surface.direct?.reserve(tools.byName.keys());
  return {
    info: surface.info,
    tools,
    options: {
      capabilities: { tools: { listChanged: true }, logging: {} },
      instructions: INSTRUCTIONS,
      cacheHints: { 'tools/list': direct ? DIRECT_TOOLS_HINT : hint, 'server/discover': hint },
    },
    direct,
    peerFeatures: surface.peerFeatures,
  };
}

/**
 * A light SDK `Server` for one serving unit (a 2026-07-28 request, a 2025 session, a stateless
 * request or a stdio connection): two handlers over the shared definitions, nothing rebuilt.
 */
export function createMcpServer(definitions: McpDefinitions): Server {
  const { tools, direct } = definitions;
  // Server is marked deprecated in favour of McpServer, whose registerTool converts every schema
  // per instance; the low-level one lets every instance share one converted list.
  const server = new Server(definitions.info, definitions.options);
  // The level a 2025-era client set for this serving unit (its session, or its stdio connection).
  let sessionLevel: LoggingLevel | undefined;
  server.setRequestHandler('logging/setLevel', (request) => {
    sessionLevel = request.params.level;
    return {};
  });
  // With direct peers, the list is the meta-tools and their tools (listed on first use), and a
  // change of theirs reaches this instance's client as notifications/tools/list_changed.
  if (direct) direct.track(server);
  server.setRequestHandler(
    'tools/list',
    direct
      ? async (_request, ctx) => {
          const access = accessOf(ctx.http?.authInfo);
          const listed = await direct.list();
          if (!access) return { tools: [...tools.list.tools, ...listed] };
          // A scoped caller sees only the direct tools its grants open.
          const open = await Promise.all(
            listed.map(async (tool) => {
              const route = await direct.route(tool.name);
              return route !== undefined && access.mayCall(route.peer, route.tool);
            }),
          );
          return { tools: [...tools.list.tools, ...listed.filter((_tool, i) => open[i])] };
        }
      : () => tools.list,
  );
  server.setRequestHandler('tools/call', (request, ctx) =>
    // A scoped caller (http.auth): every dispatch of this call, however nested, is checked.
    runAs(accessOf(ctx.http?.authInfo), () => callTool(request, ctx)),
  );
  // This serving unit's client, the same for each of its calls.
  const client = {
    sessionLevel: () => sessionLevel,
    capabilities: () => server.getClientCapabilities() as Record<string, unknown> | undefined,
    owner: server,
  };
  const callTool = async (
    request: { params: { name: string; arguments?: Record<string, unknown> | undefined } },
    ctx: Parameters<typeof serveWithClient>[0],
  ): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const built = tools.byName.get(name);
    const route =
      built || !direct ? undefined : (direct.routeNow(name) ?? (await direct.route(name)));
    if (route && direct) {
      // A direct tool: the dispatcher's path and the peer's answer; the peer's requests to the
      // client during the call reach this client, as for the meta-tools below.
      const result = await serveWithClient(ctx, client, (context) =>
        direct.call(route, args, context),
      );
      if (isInputRequiredResult(result)) return result as never;
      return server.projectCallToolResult(result, route.outputSchema);
    }
    if (!built) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown tool "${name}": tools/list names this server's tools.`,
      );
    }
    const parsed = parseArguments(built.tool, args);
    if (!parsed.ok) return server.projectCallToolResult(parsed.result, built.outputSchema);
    // A peer's requests to the client during the call go to this client (client-channel.ts).
    const result = await serveWithClient(ctx, client, (context) =>
      built.tool.call(parsed.args as never, context).catch(toolError),
    );
    if (isInputRequiredResult(result)) return result as never;
    // Progress and log lines the call sent went out before its answer.
    return server.projectCallToolResult(result, built.outputSchema);
  };
  definitions.peerFeatures?.serve(server);
  toolCalls.set(server, callTool);
  return server;
}

/** Each server's `tools/call`, for its connection's {@link CallShortcut}. */
const toolCalls = new WeakMap<Server, CallTool>();

/**
 * The `tools/call` shortcut of a stdio connection's server made by {@link createMcpServer}:
 * its transport offers it each message first (call-shortcut.ts).
 */
export function callShortcut(server: Server, era: 'legacy' | 'modern'): CallShortcut | undefined {
  const callTool = toolCalls.get(server);
  return callTool ? new CallShortcut(server, callTool, era) : undefined;
}

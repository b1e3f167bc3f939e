// The public surface of @x/server: what users compose with. Every export is named here; the
// layers behind it are internal and may change between versions.

export type {
  Backends,
  CallObserver,
  CallRecorder,
  CallScheduler,
  CallSpan,
  CategoryGuard,
  GuardState,
  ResultCache,
  ResultCacheFigures,
  SchedulerFigures,
} from './backends/index.js';
export { createBackends } from './backends/index.js';
export type {
  CategoryDefinition,
  CategorySpec,
  LoadedCategory,
  PluginModule,
  ResolvedTool,
  ToolContext,
  ToolDefinition,
  ToolHints,
  ToolProgress,
  Validation,
} from './catalog/index.js';
export { defineCategory, defineTool } from './catalog/index.js';
export type {
  LoadConfigOptions,
  PeerConfig,
  XServerConfig,
  XServerConfigInput,
} from './config/index.js';
export { configSchema, envOverrides, loadConfig, parseConfig } from './config/index.js';
export type { ConfigProblem, ServerClosedReason } from './errors.js';
export {
  CallCancelledError,
  CategoryLoadError,
  CircuitOpenError,
  ConfigError,
  InvalidParamsError,
  InvalidWorkflowError,
  PathOutsideRootError,
  PeerDisconnectedError,
  PeerTimeoutError,
  PeerToolError,
  PeerUnavailableError,
  ServerClosedError,
  ToolInputError,
  UnknownCategoryError,
  UnknownTemplateError,
  UnknownToolError,
  XServerError,
} from './errors.js';
export type { PeerFeatureStats, PeerFeatures } from './peers/features.js';
export type { PeerTransport, PeerTransportFactory } from './peers/index.js';
export type { DispatchCall, DispatchResult } from './pipeline/index.js';
export { SERVER_NAME, SERVER_VERSION, XServer, type XServerOptions } from './server.js';
export type { McpHost, ServerTransport, StdioOptions } from './transport/index.js';
export { HttpTransport, StdioTransport } from './transport/index.js';
export type { WorkflowReport, WorkflowRunInput, WorkflowStepReport } from './workflows/index.js';

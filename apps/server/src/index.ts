// Every public export is named here explicitly.

export type { Seams, XServerOptions } from './server.js';
export { SERVER_NAME, SERVER_VERSION, XServer } from './server.js';
export { demoCategory } from './catalog/builtins/demo.js';
export { fsCategory } from './catalog/builtins/fs.js';
export { textCategory } from './catalog/builtins/text.js';
export { timeCategory } from './catalog/builtins/time.js';
export type { PluginConfig, PluginModule } from './catalog/plugins.js';
export { pluginCategory } from './catalog/plugins.js';
export type {
  CategoryInfo,
  CategorySpec,
  LoadedCategory,
  RegistryStats,
} from './catalog/registry.js';
export { CategoryRegistry } from './catalog/registry.js';
export type { SearchHit, SearchResult } from './catalog/search.js';
export { searchTools } from './catalog/search.js';
export type {
  ResolvedTool,
  ToolContext,
  ToolDefinition,
  ToolHints,
  ToolProgress,
  Validation,
} from './catalog/tool.js';
export { defineTool, isCacheable, resolveZodTool } from './catalog/tool.js';
export type { PeerConfig, XServerConfig, XServerConfigInput } from './config/schema.js';
export { configSchema, envOverrides, loadConfig, parseConfig } from './config/schema.js';
export type {
  DispatchCall,
  Dispatcher,
  DispatcherStats,
  DispatchOptions,
  DispatchResult,
} from './pipeline/dispatcher.js';
export type { ConfigProblem } from './errors.js';
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
  UnknownCategoryError,
  UnknownTemplateError,
  UnknownToolError,
  XServerError,
} from './errors.js';
export type { IdempotencyOptions } from './pipeline/idempotency.js';
export { IdempotencyStore } from './pipeline/idempotency.js';
export type { MetricsSources, ServerMetrics } from './backends/metrics.js';
export type { ParallelOptions, ParallelOutcome } from './pipeline/parallel.js';
export { dispatchParallel } from './pipeline/parallel.js';
export type { PeerTransport, PeerTransportFactory } from './peers/connection.js';
export { defaultPeerTransport } from './peers/connection.js';
export type { PeerGatewayOptions, PeerGatewayStats } from './peers/gateway.js';
export { PeerGateway } from './peers/gateway.js';
export { peerSchema } from './config/peer-schema.js';
export type { BreakerGuardOptions, CategoryGuard, GuardState } from './backends/breaker.js';
export { BreakerGuard } from './backends/breaker.js';
export type { ResultCache, ResultCacheFigures, TieredResultCacheOptions } from './backends/cache.js';
export { TieredResultCache } from './backends/cache.js';
export { createSeams } from './backends/create.js';
export type {
  CallScheduler,
  PrioritySchedulerOptions,
  SchedulerFigures,
} from './backends/scheduler.js';
export { PriorityScheduler } from './backends/scheduler.js';
export type { CallObserver, CallSpan, SpanRecorderOptions } from './backends/telemetry.js';
export { SpanRecorder } from './backends/telemetry.js';
export type { HttpOptions, HttpStats } from './transport/http.js';
export { HttpTransportServer } from './transport/http.js';
export { serveStdio } from './transport/stdio.js';
export type {
  WorkflowStep,
  WorkflowTemplateInput,
  WorkflowTemplateSpec,
} from './workflows/definition.js';
export type {
  WorkflowReport,
  WorkflowRunInput,
  WorkflowRunnerOptions,
  WorkflowRunnerStats,
  WorkflowStepReport,
} from './workflows/runner.js';
export { WorkflowRunner } from './workflows/runner.js';
export type {
  TemplateDescription,
  TemplateLibraryOptions,
  TemplateSummary,
} from './workflows/templates.js';
export { TemplateLibrary } from './workflows/templates.js';

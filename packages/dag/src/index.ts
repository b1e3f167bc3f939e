// Every public export is named here explicitly.
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export type {
  ActionResolver,
  StepAction,
  StepDefinition,
  WorkflowDefinition,
} from './declarative.js';
export {
  CycleError,
  DagError,
  type DagErrorCode,
  DefinitionError,
  DuplicateStepError,
  isDagError,
  MissingDependencyError,
  ParameterError,
  StepTimeoutError,
  type UnresolvedReferenceDetail,
  UnresolvedReferenceError,
  WorkflowCancelledError,
} from './errors.js';
export {
  type ParameterPlaceholder,
  type ParameterSpec,
  type ParameterType,
  type TemplateDefinition,
  type TemplateStats,
  type TemplateStepDefinition,
  WorkflowTemplate,
} from './template.js';
export type {
  Jitter,
  RunOptions,
  RunResult,
  RunStatus,
  SchedulerAddOptions,
  SchedulerLike,
  StepContext,
  StepEvent,
  StepOptions,
  StepOutcome,
  StepResult,
  StepRun,
  StepStatus,
  TriggerRule,
} from './types.js';
export { Workflow, type WorkflowStats } from './workflow.js';

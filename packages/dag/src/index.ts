// Every public export is named here explicitly.
export { type Clock, systemClock } from './clock.js';
export type {
  ActionResolver,
  StepAction,
  StepDefinition,
  WorkflowDefinition,
} from './declarative.js';
export {
  CycleError,
  DagError,
  DefinitionError,
  DuplicateStepError,
  MissingDependencyError,
  ParameterError,
  StepTimeoutError,
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

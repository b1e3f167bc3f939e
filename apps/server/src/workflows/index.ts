// The workflows layer: DAGs of dispatch calls on @x/dag, inline or from templates.
export {
  type WorkflowStep,
  type WorkflowTemplateInput,
  type WorkflowTemplateSpec,
  workflowStepSchema,
} from './definition.js';
export {
  type WorkflowReport,
  type WorkflowRunInput,
  WorkflowRunner,
  type WorkflowRunnerOptions,
  type WorkflowRunnerStats,
  type WorkflowStepReport,
} from './runner.js';
export {
  type TemplateDescription,
  TemplateLibrary,
  type TemplateLibraryOptions,
  type TemplateSummary,
} from './templates.js';

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ParameterSpec, Workflow, WorkflowTemplate } from '@x/dag';
import { configProblems } from '../config/index.js';
import { ConfigError, UnknownTemplateError } from '../errors.js';
import { templateSchema, toDagStep, type WorkflowTemplateSpec } from './definition.js';

export interface TemplateSummary {
  name: string;
  version: string;
  description: string;
  parameters: Record<string, ParameterSpec>;
  steps: number;
}

export interface TemplateDescription extends TemplateSummary {
  steps: number;
  definition: WorkflowTemplateSpec;
  /** The template's graph as a Mermaid flowchart. */
  mermaid: string;
}

interface Entry {
  spec: WorkflowTemplateSpec;
  template: WorkflowTemplate;
}

export interface TemplateLibraryOptions {
  /** Templates from the config, checked now: a bad one is a ConfigError naming it. */
  templates?: readonly unknown[];
  /** A folder of `*.json` templates, read once on first use. @default undefined */
  dir?: string | undefined;
}

function compile(input: unknown, source: string): Entry {
  const parsed = templateSchema.safeParse(input);
  if (!parsed.success) throw ConfigError.of(configProblems(parsed.error, source), 'workflows');
  const spec = parsed.data;
  try {
    const template = new WorkflowTemplate({
      name: spec.name,
      version: spec.version,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      parameters: spec.parameters as Record<string, ParameterSpec>,
      steps: spec.steps.map(toDagStep),
    });
    return { spec, template };
  } catch (error) {
    throw new ConfigError(source, (error as Error).message, 'workflows');
  }
}

/** Named workflow templates from the config and a folder, on @x/dag's `WorkflowTemplate`. */
export class TemplateLibrary {
  readonly #entries = new Map<string, Entry>();
  readonly #dir: string | undefined;
  #dirLoad: Promise<void> | undefined;
  readonly #fileErrors: { file: string; error: string }[] = [];

  constructor(options: TemplateLibraryOptions = {}) {
    (options.templates ?? []).forEach((input, index) => {
      this.#add(compile(input, `workflows.templates.${index}`), `workflows.templates.${index}`);
    });
    this.#dir = options.dir;
  }

  #add(entry: Entry, source: string): void {
    if (this.#entries.has(entry.spec.name)) {
      throw new ConfigError(
        source,
        `a template named "${entry.spec.name}" exists already`,
        'workflows',
      );
    }
    this.#entries.set(entry.spec.name, entry);
  }

  /** Reads the folder once; a bad file is reported by `problems()` and skipped, never fatal. */
  #ready(): Promise<void> {
    const dir = this.#dir;
    if (dir === undefined) return Promise.resolve();
    this.#dirLoad ??= (async () => {
      let files: string[];
      try {
        files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
      } catch (error) {
        this.#fileErrors.push({ file: dir, error: (error as Error).message });
        return;
      }
      for (const file of files) {
        const path = join(dir, file);
        try {
          this.#add(compile(JSON.parse(await readFile(path, 'utf8')), file), file);
        } catch (error) {
          this.#fileErrors.push({ file: path, error: (error as Error).message });
        }
      }
    })();
    return this.#dirLoad;
  }

  async list(): Promise<TemplateSummary[]> {
    await this.#ready();
    return [...this.#entries.values()].map(({ spec }) => summary(spec));
  }

  /** Template files that could not be used, with why. */
  async problems(): Promise<{ file: string; error: string }[]> {
    await this.#ready();
    return [...this.#fileErrors];
  }

  async get(name: string): Promise<WorkflowTemplate> {
    await this.#ready();
    const entry = this.#entries.get(name);
    if (!entry) throw new UnknownTemplateError(name);
    return entry.template;
  }

  async describe(name: string): Promise<TemplateDescription> {
    await this.#ready();
    const entry = this.#entries.get(name);
    if (!entry) throw new UnknownTemplateError(name);
    const { spec } = entry;
    const ids = new Set(spec.steps.map((step) => step.id));
    const graph = new Workflow();
    for (const step of spec.steps) {
      const needs = new Set([...step.needs, ...referencedSteps(step.params)]);
      graph.step(step.id, () => undefined, { needs: [...needs].filter((id) => ids.has(id)) });
    }
    return { ...summary(spec), definition: spec, mermaid: graph.toMermaid() };
  }

  stats(): { templates: number; fileErrors: number } {
    return { templates: this.#entries.size, fileErrors: this.#fileErrors.length };
  }
}

const STEP_REFERENCE = /\$\{steps\.([^.}]+)\./g;

/** Ids of the steps a value references with `${steps.<id>....}`: edges of the template's diagram. */
function referencedSteps(value: unknown): Set<string> {
  const ids = new Set<string>();
  for (const match of (JSON.stringify(value) ?? '').matchAll(STEP_REFERENCE)) ids.add(match[1]!);
  return ids;
}

function summary(spec: WorkflowTemplateSpec): TemplateSummary {
  return {
    name: spec.name,
    version: spec.version,
    description: spec.description ?? '',
    parameters: spec.parameters as Record<string, ParameterSpec>,
    steps: spec.steps.length,
  };
}

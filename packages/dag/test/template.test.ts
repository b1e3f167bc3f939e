import { describe, expect, it } from 'vitest';
import {
  DefinitionError,
  ParameterError,
  type TemplateDefinition,
  WorkflowTemplate,
} from '../src/index.js';

const definition: TemplateDefinition = {
  name: 'fetch-and-summarize',
  version: '1.2.0',
  parameters: {
    url: { type: 'string', description: 'What to fetch' },
    maxWords: { type: 'integer', default: 100 },
    attempts: { type: 'integer', default: 3 },
    verbose: { type: 'boolean', required: false },
  },
  steps: [
    {
      id: 'fetch',
      uses: 'http.get',
      with: { url: '${params.url}' },
      maxAttempts: '${params.attempts}',
    },
    {
      id: 'summarize',
      uses: 'llm.summarize',
      with: {
        text: '${steps.fetch.output.body}',
        limit: '${params.maxWords}',
        note: 'at most ${params.maxWords} words',
      },
    },
  ],
};

describe('WorkflowTemplate', () => {
  it('fills parameters and defaults, keeping step references for run time', () => {
    const template = new WorkflowTemplate(definition);

    const workflow = template.instantiate({ url: 'https://example.test' });

    expect(workflow.name).toBe('fetch-and-summarize@1.2.0');
    expect(workflow.steps[0]).toMatchObject({
      with: { url: 'https://example.test' },
      maxAttempts: 3,
    });
    expect(workflow.steps[1]?.with).toEqual({
      text: '${steps.fetch.output.body}',
      limit: 100,
      note: 'at most 100 words',
    });
  });

  it('reports every parameter problem at once', () => {
    const template = new WorkflowTemplate(definition);

    let error: ParameterError | undefined;
    try {
      template.instantiate({ maxWords: 2.5, verbose: 'yes', extra: 1 });
    } catch (caught) {
      error = caught as ParameterError;
    }

    expect(error).toBeInstanceOf(ParameterError);
    expect(error?.code).toBe('ERR_DAG_INVALID_PARAMETERS');
    expect(error?.problems).toEqual([
      '"extra" is not a parameter',
      '"url" is required (string)',
      '"maxWords" must be an integer, got number 2.5',
      '"verbose" must be a boolean, got string "yes"',
    ]);
    expect(template.stats()).toEqual({ instantiations: 0, rejected: 1 });
  });

  it('rejects a malformed template, listing every problem', () => {
    const bad = {
      name: '',
      version: '1',
      parameters: { n: { type: 'float' }, m: { type: 'string', default: 3 } },
      steps: [{ id: 'a', uses: 'x', with: '${params.undeclared}' }],
    } as unknown as TemplateDefinition;

    expect(() => new WorkflowTemplate(bad)).toThrow(DefinitionError);
    try {
      new WorkflowTemplate(bad);
    } catch (error) {
      expect((error as DefinitionError).problems).toEqual([
        'name must be a non-empty string',
        'parameter "n": type must be one of string, number, integer, boolean, object, array',
        'parameter "m": default must be a string',
        'step "a": ${params.undeclared} names parameter "undeclared", which is not declared',
      ]);
    }
  });

  it('builds a runnable workflow with toWorkflow', async () => {
    const template = new WorkflowTemplate(definition);
    const workflow = template.toWorkflow({ url: 'u', maxWords: 3 }, (uses) =>
      uses === 'http.get'
        ? (input) => ({ body: `body of ${(input as { url: string }).url}` })
        : (input) => input,
    );

    const result = await workflow.run();

    expect(result.steps.summarize?.output).toEqual({
      text: 'body of u',
      limit: 3,
      note: 'at most 3 words',
    });
    expect(template.stats()).toEqual({ instantiations: 1, rejected: 0 });
  });

  it('is not changed by later edits to the definition it was built from', () => {
    const copy = structuredClone(definition);
    const template = new WorkflowTemplate(copy);

    copy.steps[0]!.with = { url: 'changed' };

    expect(template.instantiate({ url: 'kept' }).steps[0]?.with).toEqual({ url: 'kept' });
  });
});

describe('WorkflowTemplate: cycles', () => {
  it('rejects a template whose steps form a cycle', () => {
    const cyclic: TemplateDefinition = {
      name: 'loop',
      version: '1',
      steps: [
        { id: 'a', uses: 'x', needs: ['b'] },
        { id: 'b', uses: 'x', with: '${steps.a.output}' },
      ],
    };

    expect(() => new WorkflowTemplate(cyclic)).toThrow(DefinitionError);
    expect(() => new WorkflowTemplate(cyclic)).toThrow('dependencies form a cycle: b -> a -> b');
  });
});

describe('WorkflowTemplate: parameters in options', () => {
  it('reports wrong types and options made invalid by parameters in one error', () => {
    const template = new WorkflowTemplate(definition);

    let error: ParameterError | undefined;
    try {
      template.instantiate({ url: 5, attempts: 0 });
    } catch (caught) {
      error = caught as ParameterError;
    }

    expect(error?.problems).toEqual([
      '"url" must be a string, got number 5',
      'step("fetch"): options.maxAttempts must be an integer from 1 to 100 (attempts in all, the first included), got 0.',
    ]);
    expect(template.stats()).toEqual({ instantiations: 0, rejected: 1 });
  });

  it('checks an option filled by a parameter once it is filled', () => {
    const template = new WorkflowTemplate(definition);

    const instantiate = () => template.instantiate({ url: 'u', attempts: 0 });

    expect(instantiate).toThrow(ParameterError);
    expect(instantiate).toThrow('options.maxAttempts must be an integer from 1 to 100');
  });
});

import { describe, expect, it, vi } from 'vitest';
import {
  type ActionResolver,
  DefinitionError,
  type StepAction,
  UnresolvedReferenceError,
  Workflow,
  type WorkflowDefinition,
} from '../src/index.js';

const actions: Record<string, StepAction> = {
  echo: (input) => input,
  fail: () => {
    throw new Error('nope');
  },
};
const resolve: ActionResolver = (uses) => actions[uses];

describe('Workflow.fromJSON', () => {
  it('fills step references from dependency outputs when the step runs', async () => {
    const definition: WorkflowDefinition = {
      name: 'demo',
      steps: [
        { id: 'user', uses: 'echo', with: { name: 'Ada', tags: ['x', 'y'] } },
        {
          id: 'greet',
          uses: 'echo',
          with: {
            text: 'hello ${steps.user.output.name}',
            second: '${steps.user.output.tags.1}',
            all: '${steps.user.output}',
          },
        },
      ],
    };

    const result = await Workflow.fromJSON(definition, resolve).run();

    expect(result.steps.greet?.output).toEqual({
      text: 'hello Ada',
      second: 'y',
      all: { name: 'Ada', tags: ['x', 'y'] },
    });
  });

  it('makes a referenced step a dependency even when needs leaves it out', () => {
    const wf = Workflow.fromJSON(
      {
        steps: [
          { id: 'b', uses: 'echo', with: '${steps.a.output}' },
          { id: 'a', uses: 'echo', with: 1 },
        ],
      },
      resolve,
    );

    expect(wf.order()).toEqual(['a', 'b']);
  });

  it('passes options through to the step', async () => {
    let calls = 0;
    const flaky: StepAction = () => (++calls < 2 ? Promise.reject(new Error('x')) : 'ok');
    const wf = Workflow.fromJSON(
      { steps: [{ id: 'a', uses: 'flaky', maxAttempts: 2, baseDelayMs: 0 }] },
      () => flaky,
    );

    const result = await wf.run();

    expect(result.steps.a).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('lets an all-done step read the status of a failed dependency', async () => {
    const report = vi.fn((input: unknown) => input);
    const wf = Workflow.fromJSON(
      {
        steps: [
          { id: 'work', uses: 'fail' },
          { id: 'report', uses: 'report', with: 'work ${steps.work.status}', trigger: 'all-done' },
        ],
      },
      (uses) => (uses === 'report' ? report : actions[uses]),
    );

    const result = await wf.run();

    expect(result.steps.report?.output).toBe('work failed');
  });

  it('fails a step whose reference points at a missing part of an output', async () => {
    const wf = Workflow.fromJSON(
      {
        steps: [
          { id: 'a', uses: 'echo', with: { x: 1 } },
          { id: 'b', uses: 'echo', with: '${steps.a.output.y}' },
        ],
      },
      resolve,
    );

    const result = await wf.run();

    expect(result.steps.b?.error).toBeInstanceOf(UnresolvedReferenceError);
    expect(result.steps.b?.error).toHaveProperty('reference', 'steps.a.output.y');
  });

  it('reports every problem of a definition at once', () => {
    const definition = {
      steps: [
        { id: 'a', uses: 'echo' },
        { id: 'a', uses: 'echo' },
        { id: 'b', uses: 'unknown-action', needs: ['ghost'] },
        { id: 'c', uses: 'echo', with: '${params.x} ${steps.nowhere.output} ${bogus}' },
        { id: 'd', uses: 'echo', maxAttempts: 0 },
        { uses: 'echo' },
      ],
    } as WorkflowDefinition;

    let error: DefinitionError | undefined;
    try {
      Workflow.fromJSON(definition, resolve);
    } catch (caught) {
      error = caught as DefinitionError;
    }

    expect(error).toBeInstanceOf(DefinitionError);
    expect(error?.code).toBe('ERR_DAG_INVALID_DEFINITION');
    expect(error?.problems).toEqual([
      'step "a" is declared twice',
      'steps[5] must be an object with a non-empty string id',
      'step "b" needs "ghost", which is not a step',
      'step "c": ${params.x} is a parameter: instantiate the template first',
      'step "c": ${steps.nowhere.output} refers to "nowhere", which is not a step',
      'step "c": ${bogus} is not a reference: use ${steps.<id>.output.<path>}, ${steps.<id>.status} or ${params.<name>}',
      'step("d"): options.maxAttempts must be an integer from 1 to 100 (attempts in all, the first included), got 0.',
      'step "b" uses "unknown-action", which resolve() does not know',
    ]);
  });

  it('reports a cycle among needs and references with its path, before any run', () => {
    const definition: WorkflowDefinition = {
      steps: [
        { id: 'a', uses: 'echo', with: '${steps.c.output}' },
        { id: 'b', uses: 'echo', needs: ['a'] },
        { id: 'c', uses: 'echo', needs: ['b'] },
        { id: 'd', uses: 'unknown-action' },
      ],
    };

    let error: DefinitionError | undefined;
    try {
      Workflow.fromJSON(definition, resolve);
    } catch (caught) {
      error = caught as DefinitionError;
    }

    expect(error).toBeInstanceOf(DefinitionError);
    expect(error?.problems).toEqual([
      'dependencies form a cycle: b -> c -> a -> b',
      'step "d" uses "unknown-action", which resolve() does not know',
    ]);
  });

  it('names the action resolve() does not know', () => {
    const run = () => Workflow.fromJSON({ steps: [{ id: 'a', uses: 'mystery' }] }, resolve);

    expect(run).toThrow('step "a" uses "mystery", which resolve() does not know');
  });

  it('gives a step without placeholders its with value as declared, and one with them a filled copy', async () => {
    const seen: unknown[] = [];
    const record: ActionResolver = () => (input) => {
      seen.push(input);
      return input;
    };
    const plain = { n: 1, nested: { list: ['x'] } };
    const templated = { n: '${steps.a.output.n}', keep: 'as is' };
    const wf = Workflow.fromJSON(
      {
        steps: [
          { id: 'a', uses: 'record', with: plain },
          { id: 'b', uses: 'record', with: templated },
        ],
      },
      record,
    );

    const result = await wf.run();

    expect(result.status).toBe('succeeded');
    expect(seen[0]).toBe(plain);
    expect(seen[1]).toEqual({ n: 1, keep: 'as is' });
    expect(templated).toEqual({ n: '${steps.a.output.n}', keep: 'as is' });
  });

  it('keeps a __proto__ key of with as an own key when filling placeholders', async () => {
    const withValue = JSON.parse('{"__proto__": "${steps.a.output}", "other": 2}') as unknown;
    const wf = Workflow.fromJSON(
      {
        steps: [
          { id: 'a', uses: 'echo', with: 'polluted?' },
          { id: 'b', uses: 'echo', with: withValue },
        ],
      },
      resolve,
    );

    const output = (await wf.run()).steps.b?.output as Record<string, unknown>;

    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.hasOwn(output, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toBe('polluted?');
    expect(output.other).toBe(2);
  });

  it('checks the options a step gives, and none of those it leaves out', () => {
    const run = () =>
      Workflow.fromJSON(
        {
          steps: [
            { id: 'a', uses: 'echo' },
            { id: 'b', uses: 'echo', maxAttempts: 0 },
          ],
        },
        resolve,
      );

    expect(run).toThrow(DefinitionError);
    expect(run).toThrow(/step\("b"\): options.maxAttempts must be an integer/);
    expect(run).not.toThrow(/step\("a"\)/);
  });
});

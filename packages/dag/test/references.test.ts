import { describe, expect, it, vi } from 'vitest';
import {
  type ActionResolver,
  DefinitionError,
  isDagError,
  type StepAction,
  UnresolvedReferenceError,
  Workflow,
  type WorkflowDefinition,
  WorkflowTemplate,
} from '../src/index.js';

const echo: StepAction = (input) => input;
const resolve: ActionResolver = () => echo;

function problemsOf(definition: unknown): readonly string[] {
  try {
    Workflow.fromJSON(definition as WorkflowDefinition, resolve);
  } catch (error) {
    if (error instanceof DefinitionError) return error.problems;
    throw error;
  }
  throw new Error('expected a DefinitionError');
}

/** Runs a two-step definition where `b` reads `reference` from `a`'s output `output`. */
async function failureOf(output: unknown, reference: string): Promise<UnresolvedReferenceError> {
  const wf = Workflow.fromJSON(
    {
      steps: [
        { id: 'a', uses: 'echo', with: output },
        { id: 'b', uses: 'echo', with: { value: reference } },
      ],
    },
    resolve,
  );
  const result = await wf.run();
  const error = result.steps.b?.error;
  if (!(error instanceof UnresolvedReferenceError)) throw new Error(`got ${String(error)}`);
  return error;
}

describe('declarative references: run time', () => {
  it('names the step, quotes the reference and names the missing path and what is there', async () => {
    const error = await failureOf({ user: { id: 1, name: 'Ada' } }, '${steps.a.output.user.email}');

    expect(error).toMatchObject({
      code: 'ERR_DAG_UNRESOLVED_REFERENCE',
      stepId: 'b',
      dependencyId: 'a',
      reference: 'steps.a.output.user.email',
      path: 'user.email',
    });
    expect(error.message).toBe(
      'Step "b": ${steps.a.output.user.email} cannot be resolved: the output of step "a" has no "user.email" ("user" has "id", "name").',
    );
  });

  it('says how long an array is when an index is past its end', async () => {
    const error = await failureOf({ items: ['x', 'y'] }, 'first: ${steps.a.output.items.2}');

    expect(error.message).toContain('has no "items.2" ("items" is an array of 2 items)');
  });

  it('says what the output is when it has no fields at all', async () => {
    const error = await failureOf('plain text', '${steps.a.output.body}');

    expect(error.message).toContain(
      'the output of step "a" has no "body" (the output is a string)',
    );
  });

  it('lists at most ten keys of a large object', async () => {
    const wide = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));

    const error = await failureOf(wide, '${steps.a.output.missing}');

    expect(error.message).toContain('"k8", "k9" and 2 more)');
  });

  it('quotes a reference written with spaces as it was written', async () => {
    const error = await failureOf({ x: 1 }, '${ steps.a.output.y }');

    expect(error.message).toContain('Step "b": ${ steps.a.output.y } cannot be resolved');
    expect(error.reference).toBe('steps.a.output.y');
  });

  it('says that a failed step has no output, and how to read its status', async () => {
    const wf = Workflow.fromJSON(
      {
        steps: [
          { id: 'a', uses: 'fail' },
          { id: 'b', uses: 'echo', with: '${steps.a.output.x}', trigger: 'all-done' },
        ],
      },
      (uses) => (uses === 'fail' ? () => Promise.reject(new Error('down')) : echo),
    );

    const result = await wf.run();

    expect(result.steps.b?.error).toMatchObject({
      stepId: 'b',
      dependencyId: 'a',
      path: undefined,
    });
    expect(result.steps.b?.error).toHaveProperty(
      'message',
      'Step "b": ${steps.a.output.x} cannot be resolved: step "a" failed, so it has no output; ${steps.a.status} tells how it ended.',
    );
  });

  it('does not retry a step whose reference cannot be resolved', async () => {
    const action = vi.fn(echo);
    const wf = Workflow.fromJSON(
      {
        steps: [
          { id: 'a', uses: 'echo', with: {} },
          { id: 'b', uses: 'echo', with: '${steps.a.output.x}', maxAttempts: 5 },
        ],
      },
      () => action,
    );

    const result = await wf.run();

    expect(result.steps.b).toMatchObject({ status: 'failed', attempts: 1 });
    expect(isDagError(result.steps.b?.error, 'ERR_DAG_UNRESOLVED_REFERENCE')).toBe(true);
  });

  it('resolves a reference to a step whose id holds dots', async () => {
    const wf = Workflow.fromJSON(
      {
        steps: [
          { id: 'fetch.user', uses: 'echo', with: { name: 'Ada' } },
          { id: 'greet', uses: 'echo', with: 'hi ${steps.fetch.user.output.name}' },
        ],
      },
      resolve,
    );

    const result = await wf.run();

    expect(result.steps.greet?.output).toBe('hi Ada');
  });
});

describe('declarative references: definition problems', () => {
  it('suggests output for a reference that reads another field of a known step', () => {
    const problems = problemsOf({
      steps: [
        { id: 'a', uses: 'echo' },
        { id: 'b', uses: 'echo', with: '${steps.a.result.items.0}' },
      ],
    });

    expect(problems).toEqual([
      'step "b": ${steps.a.result.items.0} reads "result" of step "a", which has only output and status: write ${steps.a.output.items.0} for its output, or ${steps.a.status} for how it ended',
    ]);
  });

  it('reports a path after status and an empty path segment', () => {
    const problems = problemsOf({
      steps: [
        { id: 'a', uses: 'echo' },
        { id: 'b', uses: 'echo', with: ['${steps.a.status.code}', '${steps.a.output.x..y}'] },
      ],
    });

    expect(problems).toEqual([
      'step "b": ${steps.a.status.code} has a path after status: write ${steps.a.status}',
      'step "b": ${steps.a.output.x..y} has an empty segment in its path (two dots in a row?)',
    ]);
  });

  it('reports a field a step does not have, listing the fields it does', () => {
    const problems = problemsOf({ steps: [{ id: 'a', uses: 'echo', retries: 2 }] });

    expect(problems).toEqual([
      'step "a" has an unknown field "retries"; a step\'s fields are id, uses, with, needs, maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, timeoutMs, trigger, weight',
    ]);
  });

  it('explains that retryOn cannot be part of a declarative step', () => {
    const problems = problemsOf({ steps: [{ id: 'a', uses: 'echo', retryOn: () => true }] });

    expect(problems).toEqual([
      'step "a": retryOn cannot be given in a declarative step (a function is no JSON); declare the step with Workflow.step() to use it',
    ]);
  });

  it('takes the retry options by their shared names', async () => {
    let calls = 0;
    const wf = Workflow.fromJSON(
      {
        steps: [
          {
            id: 'a',
            uses: 'flaky',
            maxAttempts: 3,
            baseDelayMs: 0,
            maxDelayMs: 0,
            multiplier: 3,
            jitter: 'none',
          },
        ],
      },
      () => () => (++calls < 3 ? Promise.reject(new Error('x')) : 'ok'),
    );

    const result = await wf.run();

    expect(result.steps.a).toMatchObject({ status: 'succeeded', attempts: 3 });
  });

  it.each([0, 101, 2.5, '3'])(
    'bounds maxAttempts %j alike in a definition and in a filled-in template',
    (maxAttempts) => {
      const expected = `step("a"): options.maxAttempts must be an integer from 1 to 100 (attempts in all, the first included), got ${typeof maxAttempts === 'string' ? `"${maxAttempts}"` : maxAttempts}.`;
      const template = new WorkflowTemplate({
        name: 't',
        version: '1',
        parameters: { n: { type: 'number' } },
        steps: [{ id: 'a', uses: 'echo', maxAttempts: '${params.n}' }],
      });

      const inDefinition = problemsOf({ steps: [{ id: 'a', uses: 'echo', maxAttempts }] });
      let inTemplate: readonly string[] = [];
      try {
        template.instantiate({ n: typeof maxAttempts === 'number' ? maxAttempts : 3 });
      } catch (error) {
        inTemplate = (error as { problems: readonly string[] }).problems;
      }

      expect(inDefinition).toEqual([expected]);
      if (typeof maxAttempts === 'number') expect(inTemplate).toEqual([expected]);
    },
  );
});

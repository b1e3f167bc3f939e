import { describe, expect, it } from 'vitest';
import {
  CycleError,
  DagError,
  type DagErrorCode,
  DefinitionError,
  DuplicateStepError,
  isDagError,
  MissingDependencyError,
  ParameterError,
  StepTimeoutError,
  UnresolvedReferenceError,
  WorkflowCancelledError,
} from '../src/index.js';

describe('error codes', () => {
  it.each([
    [new DuplicateStepError('a'), DuplicateStepError, 'ERR_DAG_DUPLICATE_STEP'],
    [new MissingDependencyError('a', 'b'), MissingDependencyError, 'ERR_DAG_MISSING_DEPENDENCY'],
    [new CycleError(['a', 'a']), CycleError, 'ERR_DAG_CYCLE'],
    [new StepTimeoutError('a', 5, 1), StepTimeoutError, 'ERR_DAG_STEP_TIMEOUT'],
    [new WorkflowCancelledError('stopped'), WorkflowCancelledError, 'ERR_DAG_CANCELLED'],
    [new DefinitionError('Workflow', ['x']), DefinitionError, 'ERR_DAG_INVALID_DEFINITION'],
    [new ParameterError('t@1', ['x']), ParameterError, 'ERR_DAG_INVALID_PARAMETERS'],
    [
      new UnresolvedReferenceError({
        stepId: 'b',
        written: '${steps.a.output.x}',
        reference: 'steps.a.output.x',
        dependencyId: 'a',
        path: 'x',
        why: 'the output of step "a" has no "x"',
      }),
      UnresolvedReferenceError,
      'ERR_DAG_UNRESOLVED_REFERENCE',
    ],
  ])('gives %o the code its class names statically, and extends DagError', (error, type, code) => {
    expect(error).toBeInstanceOf(DagError);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(type.code).toBe(code);
  });

  it('names each error after its class, also once bundled', () => {
    const names = [
      new DuplicateStepError('a'),
      new MissingDependencyError('a', 'b'),
      new CycleError(['a', 'a']),
      new StepTimeoutError('a', 5, 1),
      new WorkflowCancelledError('stopped'),
      new DefinitionError('Workflow', ['x']),
      new ParameterError('t@1', ['x']),
    ].map((error) => error.name);

    expect(names).toEqual([
      'DuplicateStepError',
      'MissingDependencyError',
      'CycleError',
      'StepTimeoutError',
      'WorkflowCancelledError',
      'DefinitionError',
      'ParameterError',
    ]);
  });
});

describe('isDagError', () => {
  it('recognises an error of another copy of the package by its code', () => {
    const foreign = Object.assign(new Error('from another copy'), { code: 'ERR_DAG_CYCLE' });

    expect(isDagError(foreign)).toBe(true);
    expect(isDagError(foreign, 'ERR_DAG_CYCLE')).toBe(true);
  });

  it('tells codes apart when one is given', () => {
    const error = new StepTimeoutError('a', 5, 1);

    expect(isDagError(error, 'ERR_DAG_STEP_TIMEOUT')).toBe(true);
    expect(isDagError(error, 'ERR_DAG_CYCLE')).toBe(false);
  });

  it.each([
    undefined,
    null,
    'ERR_DAG_CYCLE',
    new Error('plain'),
    { code: 'ERR_BREAKER_OPEN' },
    { code: 42 },
  ])('rejects %o', (value) => {
    expect(isDagError(value)).toBe(false);
  });

  it('narrows to DagError so the code can be switched on', () => {
    const error: unknown = new CycleError(['a', 'a']);

    const code: DagErrorCode | undefined = isDagError(error) ? error.code : undefined;

    expect(code).toBe('ERR_DAG_CYCLE');
  });
});

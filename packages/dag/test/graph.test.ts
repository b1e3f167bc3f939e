import { describe, expect, it } from 'vitest';
import { CycleError, DuplicateStepError, MissingDependencyError, Workflow } from '../src/index.js';

const noop = () => undefined;

function diamond(): Workflow {
  return new Workflow()
    .step('a', noop)
    .step('b', noop, { needs: ['a'] })
    .step('c', noop, { needs: ['a'] })
    .step('d', noop, { needs: ['b', 'c'] });
}

describe('validate', () => {
  it('accepts a DAG and returns the workflow', () => {
    const wf = diamond();

    expect(wf.validate()).toBe(wf);
  });

  it('names both ends of a missing dependency', () => {
    const wf = new Workflow().step('a', noop).step('b', noop, { needs: ['a', 'ghost'] });

    const error = captured(() => wf.validate());

    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error).toMatchObject({
      code: 'ERR_DAG_MISSING_DEPENDENCY',
      stepId: 'b',
      dependencyId: 'ghost',
    });
    expect((error as Error).message).toContain('"ghost"');
  });

  it('reports the path of a cycle, dependency before dependent', () => {
    const wf = new Workflow()
      .step('start', noop)
      .step('a', noop, { needs: ['start', 'c'] })
      .step('b', noop, { needs: ['a'] })
      .step('c', noop, { needs: ['b'] })
      .step('end', noop, { needs: ['c'] });

    const error = captured(() => wf.validate()) as CycleError;

    expect(error).toBeInstanceOf(CycleError);
    expect(error.code).toBe('ERR_DAG_CYCLE');
    expect(error.cycle).toHaveLength(4);
    expect(error.cycle[0]).toBe(error.cycle[3]);
    expect(rotate(error.cycle.slice(0, 3), 'a')).toEqual(['a', 'b', 'c']);
    expect(error.message).toContain('->');
  });

  it('reports a step that needs itself as a cycle of one', () => {
    const wf = new Workflow().step('a', noop, { needs: ['a'] });

    expect(captured(() => wf.validate())).toMatchObject({ cycle: ['a', 'a'] });
  });

  it('rejects a second step with the same id when it is declared', () => {
    const wf = new Workflow().step('a', noop);

    expect(() => wf.step('a', noop)).toThrow(DuplicateStepError);
  });

  it('finds a cycle in a long chain without overflowing the stack', () => {
    const wf = new Workflow();
    const n = 50_000;
    for (let i = 0; i < n; i++) wf.step(`s${i}`, noop, { needs: [`s${(i + 1) % n}`] });

    const error = captured(() => wf.validate()) as CycleError;

    expect(error.cycle).toHaveLength(n + 1);
  });
});

describe('order and levels', () => {
  it('puts every step after its dependencies', () => {
    const order = diamond().order();

    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps declaration order among independent steps', () => {
    const wf = new Workflow()
      .step('z', noop)
      .step('y', noop)
      .step('x', noop, { needs: ['z'] });

    expect(wf.order()).toEqual(['z', 'y', 'x']);
  });

  it('groups steps by their depth', () => {
    const wf = diamond()
      .step('e', noop)
      .step('f', noop, { needs: ['e', 'a'] });

    expect(wf.levels()).toEqual([['a', 'e'], ['b', 'c', 'f'], ['d']]);
  });

  it('throws the validation error from order() too', () => {
    const wf = new Workflow().step('a', noop, { needs: ['b'] });

    expect(() => wf.order()).toThrow(MissingDependencyError);
  });

  it('orders an empty workflow as nothing', () => {
    expect(new Workflow().order()).toEqual([]);
    expect(new Workflow().levels()).toEqual([]);
  });
});

describe('toMermaid', () => {
  it('draws each dependency as an arrow to its dependent', () => {
    const text = diamond().toMermaid();

    expect(text).toBe(
      [
        'flowchart TD',
        '  s0["a"]',
        '  s1["b"]',
        '  s2["c"]',
        '  s3["d"]',
        '  s0 --> s1',
        '  s0 --> s2',
        '  s1 --> s3',
        '  s2 --> s3',
        '',
      ].join('\n'),
    );
  });

  it('escapes ids Mermaid would misread', () => {
    const text = new Workflow().step('say "hi" <now>', noop).toMermaid();

    expect(text).toContain('s0["say #quot;hi#quot; #lt;now#gt;"]');
  });

  it('colours steps by status after a run', async () => {
    const wf = new Workflow()
      .step('ok', noop)
      .step('bad', () => {
        throw new Error('boom');
      })
      .step('after', noop, { needs: ['bad'] });
    await wf.run();

    const text = wf.toMermaid();

    expect(text).toContain('  class s0 succeeded');
    expect(text).toContain('  class s1 failed');
    expect(text).toContain('  class s2 skipped');
    expect(text).toMatch(/classDef failed fill:/);
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function rotate(cycle: readonly string[], first: string): string[] {
  const at = cycle.indexOf(first);
  return [...cycle.slice(at), ...cycle.slice(0, at)];
}

import { Workflow } from '@x/dag';
import { Scheduler } from '@x/scheduler';
import { describe, expect, it, vi } from 'vitest';
import type { Dispatcher } from '../src/pipeline/index.js';
import { TemplateLibrary, WorkflowRunner } from '../src/workflows/index.js';

/** A dispatcher whose calls run until their signal aborts, as the real one's do when cancelled. */
function hangingDispatcher() {
  const calls: string[] = [];
  const dispatcher = {
    dispatch: (call: { tool: string }, signal?: AbortSignal) => {
      calls.push(call.tool);
      return new Promise((_, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
  } as unknown as Dispatcher;
  return { dispatcher, calls };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkflowRunner and the step scheduler', () => {
  it("hands attempts to the scheduler without the run's signal; a cancelled run frees its slot and never starts its queued steps", async () => {
    const scheduler = new Scheduler({ policy: 'priority', concurrency: 1 });
    const add = vi.spyOn(scheduler, 'add');
    const { dispatcher, calls } = hangingDispatcher();
    const runner = new WorkflowRunner({
      dispatcher,
      templates: new TemplateLibrary(),
      scheduler,
      hasCategory: () => true,
    });
    const controller = new AbortController();

    const running = runner.run(
      {
        steps: [
          { id: 'first', category: 'demo', tool: 'one', params: {}, needs: [] },
          { id: 'second', category: 'demo', tool: 'two', params: {}, needs: [] },
        ],
      },
      { signal: controller.signal },
    );
    await settle();
    expect(calls).toEqual(['one']);
    expect(scheduler.stats()).toMatchObject({ running: 1, queued: 1 });

    controller.abort(new Error('enough'));
    const report = await running;
    await settle();

    expect(report.status).toBe('cancelled');
    expect(report.steps.map((step) => step.status)).toEqual(['cancelled', 'cancelled']);
    expect(calls).toEqual(['one']);
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    expect(add.mock.calls.map(([, options]) => options)).toEqual([
      { priority: 1 },
      { priority: 1 },
    ]);
  });

  it('asks @x/dag for step events only when the caller listens for settled steps', async () => {
    const dispatcher = {
      dispatch: async () => ({ result: { ok: true }, cached: false, replayed: false }),
    } as unknown as Dispatcher;
    const runner = new WorkflowRunner({
      dispatcher,
      templates: new TemplateLibrary(),
      hasCategory: () => true,
    });
    const steps = [
      { id: 'a', category: 'demo', tool: 'echo', params: {}, needs: [] },
      { id: 'b', category: 'demo', tool: 'echo', params: {}, needs: ['a'] },
    ];
    const settled: string[] = [];
    const run = vi.spyOn(Workflow.prototype, 'run');

    const quiet = await runner.run({ steps });
    const heard = await runner.run(
      { steps },
      { onStepSettled: (n, total, message) => settled.push(`${n}/${total} ${message}`) },
    );

    expect(quiet.status).toBe('succeeded');
    expect(heard.steps.map((step) => step.output)).toEqual([{ ok: true }, { ok: true }]);
    expect(settled).toEqual(['1/2 step "a" succeeded', '2/2 step "b" succeeded']);
    expect(run.mock.calls.map(([options]) => typeof options?.onStep)).toEqual([
      'undefined',
      'function',
    ]);
    run.mockRestore();
  });
});

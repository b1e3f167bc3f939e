import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LocalCoalescer } from '../src/backends/index.js';
import {
  type CategorySpec,
  defineTool,
  resolveZodTool,
  type ToolContext,
} from '../src/catalog/index.js';
import { CallCancelledError } from '../src/errors.js';
import { Counter, dispatcherWith, MapCache } from './fakes.js';

/** A deferred the test settles: the tool's run waits on it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A cacheable tool (read-only and idempotent) whose every run waits for the test: `runs` are the
 * deferreds of the runs started, `started` counts them, `signals` are the signals the runs got.
 */
function slowLookup() {
  const runs: ReturnType<typeof deferred<unknown>>[] = [];
  const signals: AbortSignal[] = [];
  const started = new Counter();
  const spec: CategorySpec = {
    name: 'slow',
    description: 'A cacheable tool the test settles',
    load: () => ({
      tools: [
        resolveZodTool(
          'slow',
          defineTool({
            name: 'lookup',
            description: 'Looks up q',
            input: z.object({ q: z.string() }),
            hints: { readOnlyHint: true, idempotentHint: true },
            run: (_params, ctx: ToolContext) => {
              signals.push(ctx.signal);
              const run = deferred<unknown>();
              runs.push(run);
              started.bump();
              return run.promise;
            },
          }),
        ),
      ],
    }),
  };
  return { spec, runs, signals, started };
}

const lookup = (q: string) => ({ category: 'slow', tool: 'lookup', params: { q } });

describe('coalescing identical cacheable calls', () => {
  it('runs five identical calls in flight together once; all get its result, counted in stats', async () => {
    const tool = slowLookup();
    const { dispatcher } = dispatcherWith([tool.spec]);

    const calls = Array.from({ length: 5 }, () => dispatcher.dispatch(lookup('a')));
    const other = dispatcher.dispatch(lookup('b'));
    await tool.started.reached(2);
    tool.runs[0]!.resolve({ answer: 'A' });
    tool.runs[1]!.resolve({ answer: 'B' });
    const results = await Promise.all(calls);

    expect(tool.started.count).toBe(2);
    for (const result of results) expect(result).toMatchObject({ result: { answer: 'A' } });
    expect(await other).toMatchObject({ result: { answer: 'B' } });
    expect(dispatcher.stats()).toMatchObject({ calls: 6, succeeded: 6, coalesced: 4 });
  });

  it('gives every caller the run’s error, caches nothing, and runs again on the next call', async () => {
    const tool = slowLookup();
    const cache = new MapCache();
    const { dispatcher } = dispatcherWith([tool.spec], { cache });

    const calls = Array.from({ length: 3 }, () =>
      dispatcher.dispatch(lookup('a')).catch((error: unknown) => error),
    );
    await tool.started.reached(1);
    tool.runs[0]!.reject(new Error('backend down'));
    for (const outcome of await Promise.all(calls)) {
      expect(outcome).toMatchObject({ message: 'backend down' });
    }
    expect(cache.entries.size).toBe(0);

    const again = dispatcher.dispatch(lookup('a'));
    await tool.started.reached(2);
    tool.runs[1]!.resolve('fine');
    expect(await again).toMatchObject({ result: 'fine', cached: false });
  });

  it('lets one caller cancel without cancelling the run the others wait for', async () => {
    const tool = slowLookup();
    const { dispatcher } = dispatcherWith([tool.spec]);
    const first = new AbortController();
    const second = new AbortController();

    const leaving = dispatcher.dispatch(lookup('a'), first.signal).catch((error: unknown) => error);
    const staying = dispatcher.dispatch(lookup('a'), second.signal);
    const unsignalled = dispatcher.dispatch(lookup('a'));
    await tool.started.reached(1);
    first.abort(new Error('first client went away'));

    expect(await leaving).toBeInstanceOf(CallCancelledError);
    expect(tool.signals[0]!.aborted).toBe(false);
    tool.runs[0]!.resolve('shared');
    expect(await staying).toMatchObject({ result: 'shared' });
    expect(await unsignalled).toMatchObject({ result: 'shared' });
    expect(tool.started.count).toBe(1);
  });

  it('aborts the shared run once every caller cancelled, and a later call starts afresh', async () => {
    const tool = slowLookup();
    const { dispatcher } = dispatcherWith([tool.spec]);
    const callers = [new AbortController(), new AbortController()];

    const outcomes = callers.map((caller) =>
      dispatcher.dispatch(lookup('a'), caller.signal).catch((error: unknown) => error),
    );
    await tool.started.reached(1);
    callers[0]!.abort(new Error('gone'));
    expect(tool.signals[0]!.aborted).toBe(false);
    callers[1]!.abort(new Error('gone too'));

    for (const outcome of await Promise.all(outcomes)) {
      expect(outcome).toBeInstanceOf(CallCancelledError);
    }
    expect(tool.signals[0]!.aborted).toBe(true);

    const fresh = dispatcher.dispatch(lookup('a'));
    await tool.started.reached(2);
    tool.runs[1]!.resolve('new run');
    expect(await fresh).toMatchObject({ result: 'new run', cached: false });
    // The abandoned run settling late must not disturb the fresh one's entry.
    tool.runs[0]!.reject(new Error('aborted'));
  });

  it('relays the run’s progress to every caller waiting for it', async () => {
    const heard: string[] = [];
    const progressing: CategorySpec = {
      name: 'slow',
      description: 'Reports progress',
      load: () => ({
        tools: [
          resolveZodTool(
            'slow',
            defineTool({
              name: 'lookup',
              description: 'Looks up q',
              input: z.object({ q: z.string() }),
              hints: { readOnlyHint: true, idempotentHint: true },
              run: async (_params, ctx: ToolContext) => {
                await Promise.resolve();
                ctx.onProgress?.({ progress: 1, total: 2 });
                return 'done';
              },
            }),
          ),
        ],
      }),
    };
    const { dispatcher } = dispatcherWith([progressing]);
    const onProgress = (name: string) => () => heard.push(name);

    await Promise.all([
      dispatcher.dispatch(lookup('a'), undefined, { onProgress: onProgress('one') }),
      dispatcher.dispatch(lookup('a'), undefined, { onProgress: onProgress('two') }),
    ]);

    expect(heard.sort()).toEqual(['one', 'two']);
  });
});

describe('LocalCoalescer', () => {
  it('rejects a caller whose signal is already aborted without starting a run', async () => {
    const coalescer = new LocalCoalescer();
    let runs = 0;
    const { promise } = coalescer.run(
      'k',
      async () => {
        runs++;
      },
      { signal: AbortSignal.abort(new Error('late')) },
    );

    await expect(promise).rejects.toBeInstanceOf(CallCancelledError);
    expect(runs).toBe(0);
    expect(coalescer.stats()).toMatchObject({ runs: 0, inFlight: 0 });
  });

  it('forgets a run once it settled: the next caller runs again', async () => {
    const coalescer = new LocalCoalescer();
    let runs = 0;
    const run = async () => ++runs;

    const first = coalescer.run('k', run);
    const joined = coalescer.run('k', run);
    expect(joined.joined).toBe(true);
    expect(await first.promise).toBe(1);
    expect(await joined.promise).toBe(1);
    expect(await coalescer.run('k', run).promise).toBe(2);
    expect(coalescer.stats()).toEqual({ runs: 2, coalesced: 1, abandoned: 0, inFlight: 0 });
  });

  it('turns a function that throws synchronously into the rejection of every caller', async () => {
    const coalescer = new LocalCoalescer();
    const fail = () => {
      throw new Error('sync');
    };
    const first = coalescer.run('k', fail);
    const second = coalescer.run('k', fail);

    await expect(first.promise).rejects.toThrow('sync');
    await expect(second.promise).rejects.toThrow('sync');
  });
});

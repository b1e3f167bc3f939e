import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { BreakerGuard } from '../src/backends/index.js';
import { demoCategory } from '../src/catalog/builtins/demo.js';
import { fsCategory } from '../src/catalog/builtins/fs.js';
import { type CategorySpec, defineTool, resolveZodTool } from '../src/catalog/index.js';
import {
  InvalidParamsError,
  NotFoundError,
  PathOutsideRootError,
  PeerDisconnectedError,
  PeerToolError,
  PeerUnavailableError,
  ToolInputError,
} from '../src/errors.js';
import { dispatcherWith } from './fakes.js';

const guard = () => new BreakerGuard({ failureThreshold: 5, recoveryTimeoutMs: 30_000 });

/** Runs `count` calls through the guard's `category`, each rejecting with `make()`. */
async function failTimes(target: BreakerGuard, count: number, make: () => unknown) {
  for (let i = 0; i < count; i++) {
    await target
      .execute('c', () => Promise.reject(make()))
      .catch(() => {
        // Each call's own error is not what these tests look at.
      });
  }
}

const succeeds = (target: BreakerGuard) => target.execute('c', async () => 'ran');

describe('BreakerGuard: what counts as a failure', () => {
  it.each([
    ['PATH_OUTSIDE_ROOT', () => new PathOutsideRootError('../x', '/root')],
    ['NOT_FOUND', () => new NotFoundError('nope.txt')],
    ['INVALID_PARAMS', () => new InvalidParamsError('c', 't', 'x: missing')],
    ["a tool's own ToolInputError", () => new ToolInputError('Unknown city.')],
    ['PEER_TOOL_ERROR', () => new PeerToolError('peer', 'tool', 'bad input')],
    [
      'an error marked callerFault by another copy of the server',
      () => Object.assign(new Error('bad'), { code: 'X', callerFault: true }),
    ],
  ])('does not open the circuit on caller faults: %s', async (_name, make) => {
    const target = guard();

    await failTimes(target, 10, make);

    await expect(succeeds(target)).resolves.toBe('ran');
    expect(target.states().c).toBe('closed');
    expect(target.stats()).toMatchObject({ failures: 0, opens: 0 });
  });

  it.each([
    ['a plain tool error', () => Object.assign(new Error('boom'), { code: 'FLAKY_FAILURE' })],
    [
      'a tool error marked callerFault: false',
      () => Object.assign(new Error('x'), { callerFault: false }),
    ],
    ['PEER_UNAVAILABLE', () => new PeerUnavailableError('peer', new Error('ECONNREFUSED'))],
    ['PEER_DISCONNECTED', () => new PeerDisconnectedError('peer', 'tool', new Error('closed'))],
  ])('opens the circuit on backend failures: %s', async (_name, make) => {
    const target = guard();

    await failTimes(target, 5, make);

    await expect(succeeds(target)).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      message: expect.stringMatching(/^Category "c" is failing/),
    });
    expect(target.states().c).toBe('open');
  });

  it('does not count cancellations or AbortErrors', async () => {
    const target = guard();

    await failTimes(target, 3, () => Object.assign(new Error('stop'), { code: 'CANCELLED' }));
    await failTimes(target, 3, () => new DOMException('aborted', 'AbortError'));

    await expect(succeeds(target)).resolves.toBe('ran');
  });
});

describe('the issue scenario through the dispatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function fsRoot() {
    const root = await mkdtemp(join(tmpdir(), 'x-server-breaker-'));
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'package.json'), '{"name":"p"}');
    return root;
  }

  it('keeps fs open after five bad-input calls, and counts them as failed calls', async () => {
    const { dispatcher, spans } = dispatcherWith([fsCategory(await fsRoot())], {
      guard: guard(),
    });
    const read = (path: string) =>
      dispatcher.dispatch({ category: 'fs', tool: 'read_file', params: { path } });
    const bad = ['../etc/passwd', '/etc/passwd', '../../x', 'missing.txt', 'src'];

    const codes = [];
    for (const path of bad) codes.push(await read(path).catch((error) => error.code));
    const valid = await read('package.json');

    expect(codes).toEqual([
      'PATH_OUTSIDE_ROOT',
      'PATH_OUTSIDE_ROOT',
      'PATH_OUTSIDE_ROOT',
      'NOT_FOUND',
      'IS_A_DIRECTORY',
    ]);
    expect(valid.result).toMatchObject({ content: '{"name":"p"}' });
    expect(dispatcher.stats()).toMatchObject({ calls: 6, failed: 5, succeeded: 1 });
    expect(spans.map((span) => [span.ok, span.errorCode])).toEqual([
      [false, 'PATH_OUTSIDE_ROOT'],
      [false, 'PATH_OUTSIDE_ROOT'],
      [false, 'PATH_OUTSIDE_ROOT'],
      [false, 'NOT_FOUND'],
      [false, 'IS_A_DIRECTORY'],
      [true, undefined],
    ]);
  });

  it('still opens on demo.flaky failing', async () => {
    const target = guard();
    const { dispatcher } = dispatcherWith([demoCategory(() => 0)], { guard: target });
    const flaky = () =>
      dispatcher
        .dispatch({ category: 'demo', tool: 'flaky', params: { failureRate: 1 } })
        .catch((error) => error.code);

    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(await flaky());

    expect(codes).toEqual([...Array(5).fill('FLAKY_FAILURE'), 'CIRCUIT_OPEN']);
  });

  it('still opens on calls that outlive the category timeout', async () => {
    vi.useFakeTimers();
    const target = new BreakerGuard({
      failureThreshold: 5,
      recoveryTimeoutMs: 30_000,
      timeoutMsFor: () => 100,
    });
    const { dispatcher } = dispatcherWith([demoCategory()], { guard: target });
    const slow = () =>
      dispatcher
        .dispatch({ category: 'demo', tool: 'sleep', params: { ms: 10_000 } })
        .catch((error) => error.code);

    const codes = [];
    for (let i = 0; i < 5; i++) {
      const outcome = slow();
      await vi.advanceTimersByTimeAsync(100);
      codes.push(await outcome);
    }
    codes.push(await slow());

    expect(codes).toEqual([...Array(5).fill('ERR_BREAKER_TIMEOUT'), 'CIRCUIT_OPEN']);
  });

  it("counts a plugin tool's errors unless it declares them the caller's fault", async () => {
    const city = (callerFault?: string[]): CategorySpec => ({
      name: callerFault ? 'declared' : 'undeclared',
      description: 'Weather',
      load: () => ({
        tools: [
          resolveZodTool(
            callerFault ? 'declared' : 'undeclared',
            defineTool({
              name: 'forecast',
              description: 'Forecast',
              input: z.object({ city: z.string() }),
              ...(callerFault ? { callerFault } : {}),
              run: ({ city }) => {
                throw Object.assign(new Error(`Unknown city "${city}".`), { code: 'NO_CITY' });
              },
            }),
          ),
        ],
      }),
    });
    const target = guard();
    const { dispatcher } = dispatcherWith([city(['NO_CITY']), city()], { guard: target });
    const ask = (category: string) =>
      dispatcher
        .dispatch({ category, tool: 'forecast', params: { city: 'Atlantis' } })
        .catch((error) => error.code);

    for (let i = 0; i < 5; i++) await Promise.all([ask('declared'), ask('undeclared')]);

    expect(await ask('declared')).toBe('NO_CITY');
    expect(await ask('undeclared')).toBe('CIRCUIT_OPEN');
  });
});

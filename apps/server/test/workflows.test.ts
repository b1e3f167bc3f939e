// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow references and template placeholders are literal strings
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './gateway-helpers.js';
import { errorText, ok, workdir } from './helpers.js';

interface Report {
  status: string;
  steps: {
    id: string;
    status: string;
    output?: unknown;
    error?: { code: string; message: string };
    skipReason?: string;
    durationMs?: number;
    startMs?: number;
  }[];
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
  criticalPathMs: number;
  mermaid: string;
}

const byId = (report: Report) => Object.fromEntries(report.steps.map((step) => [step.id, step]));

const greet = {
  name: 'greet',
  version: '1.2.0',
  description: 'Echo a name, then hash a greeting',
  parameters: { who: { type: 'string' }, algorithm: { type: 'string', default: 'sha256' } },
  steps: [
    { id: 'name', category: 'demo', tool: 'echo', params: { value: '${params.who}' } },
    {
      id: 'hash',
      category: 'text',
      tool: 'hash',
      params: { text: 'hello ${steps.name.output.value}', algorithm: '${params.algorithm}' },
    },
  ],
};

describe('workflow_run', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  const start = async (input: Parameters<typeof startGateway>[0] = {}) => {
    gateway = await startGateway({ builtins: ['text', 'demo'], ...input });
    return gateway;
  };

  it("passes a step's result to later steps through ${steps.<id>.output...} references", async () => {
    const { call } = await start();

    const report = ok<Report>(
      await call('workflow_run', {
        steps: [
          { id: 'a', category: 'demo', tool: 'echo', params: { value: { n: 7, name: 'Ada' } } },
          {
            id: 'b',
            category: 'demo',
            tool: 'echo',
            params: { value: '${steps.a.output.value.n}' },
          },
          {
            id: 'c',
            category: 'text',
            tool: 'hash',
            params: { text: 'hi ${steps.a.output.value.name}' },
          },
        ],
      }),
    );
    const steps = byId(report);

    expect(report).toMatchObject({ status: 'succeeded', succeeded: 3, failed: 0 });
    expect(steps.b?.output).toEqual({ value: 7 });
    expect(steps.c?.output).toMatchObject({ algorithm: 'sha256' });
    expect(typeof steps.c?.durationMs).toBe('number');
    expect(report.mermaid).toContain('s0 --> s1');
    expect(report.mermaid).toContain('s0 --> s2');
    expect(report.mermaid).toContain('classDef succeeded');
  });

  it('skips the dependents of a failed step, runs the independent ones, and reports the error', async () => {
    const { call } = await start();

    const report = ok<Report>(
      await call('workflow_run', {
        steps: [
          { id: 'fail', category: 'demo', tool: 'flaky', params: { failureRate: 1 } },
          { id: 'after', category: 'demo', tool: 'echo', params: { value: 1 }, needs: ['fail'] },
          { id: 'other', category: 'demo', tool: 'echo', params: { value: 2 } },
        ],
      }),
    );
    const steps = byId(report);

    expect(report).toMatchObject({ status: 'failed', succeeded: 1, failed: 1, skipped: 1 });
    expect(steps.fail?.error?.code).toBe('FLAKY_FAILURE');
    expect(steps.after).toMatchObject({
      status: 'skipped',
      skipReason: 'dependency "fail" failed',
    });
    expect(steps.other).toMatchObject({ status: 'succeeded', output: { value: 2 } });
    expect(report.mermaid).toContain('classDef failed');
  });

  it('with failFast, cancels the running steps at the first failure', async () => {
    const { call, app } = await start();

    const report = ok<Report>(
      await call('workflow_run', {
        failFast: true,
        steps: [
          { id: 'slow', category: 'demo', tool: 'sleep', params: { ms: 60_000 } },
          { id: 'fail', category: 'demo', tool: 'flaky', params: { failureRate: 1 } },
        ],
      }),
    );

    expect(report.status).toBe('failed');
    expect(byId(report).slow?.status).toBe('cancelled');
    await expect.poll(() => app.dispatcher.stats().inFlight).toBe(0);
  });

  it('sends a progress notification per settled step', async () => {
    const { client } = await start();
    const progress: { progress: number; total?: number }[] = [];

    await client.callTool(
      {
        name: 'workflow_run',
        arguments: {
          steps: [
            { id: 'a', category: 'demo', tool: 'echo', params: { value: 1 } },
            { id: 'b', category: 'demo', tool: 'echo', params: { value: 2 }, needs: ['a'] },
            { id: 'c', category: 'demo', tool: 'echo', params: { value: 3 }, needs: ['b'] },
          ],
        },
      },
      { onprogress: ({ progress: done, total }) => progress.push({ progress: done, total }) },
    );

    expect(progress).toEqual([
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
      { progress: 3, total: 3 },
    ]);
  });

  it('stops a run when the caller cancels it', async () => {
    const { client, app } = await start();
    const controller = new AbortController();
    const pending = client.callTool(
      {
        name: 'workflow_run',
        arguments: {
          steps: [{ id: 'slow', category: 'demo', tool: 'sleep', params: { ms: 60_000 } }],
        },
      },
      { signal: controller.signal },
    );
    await expect.poll(() => app.dispatcher.stats().inFlight).toBe(1);

    controller.abort('enough');

    await expect(pending).rejects.toThrow(/enough/);
    await expect.poll(() => app.dispatcher.stats().inFlight).toBe(0);
    await expect.poll(() => app.workflows.stats()).toMatchObject({ cancelled: 1, running: 0 });
  });

  it('refuses a workflow that cannot run, listing every problem', async () => {
    const { call } = await start();

    const text = errorText(
      await call('workflow_run', {
        steps: [
          { id: 'a', category: 'demo', tool: 'echo', needs: ['b'] },
          { id: 'b', category: 'demo', tool: 'echo', needs: ['a'] },
          { id: 'c', category: 'nope', tool: 'x' },
        ],
      }),
    );

    expect(text).toMatch(
      /^\[INVALID_WORKFLOW\] Invalid workflow: step "c" names unknown category "nope"/,
    );
    expect(text).toMatch(/dependencies form a cycle/);
  });

  it('refuses a reference to a missing step before anything runs, quoting it as written', async () => {
    const { call, app } = await start();

    const text = errorText(
      await call('workflow_run', {
        steps: [
          { id: 'a', category: 'demo', tool: 'echo', params: { value: 1 } },
          { id: 'b', category: 'demo', tool: 'echo', params: { value: '${steps.nope.output.x}' } },
          { id: 'c', category: 'demo', tool: 'echo', params: { value: '${steps.a.reslt}' } },
        ],
      }),
    );

    expect(text).toContain(
      'step "b": ${steps.nope.output.x} refers to "nope", which is not a step',
    );
    expect(text).toContain(
      'step "c": ${steps.a.reslt} reads "reslt" of step "a", which has only output and status: write ${steps.a.output}',
    );
    expect(text).not.toMatch(/\.result/);
    expect(app.dispatcher.stats().calls).toBe(0);
  });

  it('fails a step whose reference names a missing path, in the words the caller used', async () => {
    const { call } = await start();

    const report = ok<Report>(
      await call('workflow_run', {
        steps: [
          { id: 'a', category: 'demo', tool: 'echo', params: { value: { x: 1 } } },
          {
            id: 'b',
            category: 'demo',
            tool: 'echo',
            params: { value: '${steps.a.output.value.y}' },
          },
        ],
      }),
    );

    expect(report.steps[1]).toMatchObject({
      status: 'failed',
      error: {
        message:
          'Step "b": ${steps.a.output.value.y} cannot be resolved: the output of step "a" has no "value.y" ("value" has "x").',
      },
    });
  });

  it('reports a cycle between steps', async () => {
    const { call } = await start();

    const text = errorText(
      await call('workflow_run', {
        steps: [
          { id: 'a', category: 'demo', tool: 'echo', needs: ['b'] },
          { id: 'b', category: 'demo', tool: 'echo', needs: ['a'] },
        ],
      }),
    );

    expect(text).toMatch(/^\[INVALID_WORKFLOW\].*cycle/);
  });

  it('runs a template from the config with its params, defaults filled in', async () => {
    const { call } = await start({ workflows: { templates: [greet] } });

    const report = ok<Report & { template: string }>(
      await call('workflow_run', { template: 'greet', params: { who: 'Grace' } }),
    );

    expect(report).toMatchObject({ status: 'succeeded', template: 'greet' });
    expect(byId(report).name?.output).toEqual({ value: 'Grace' });
    expect(byId(report).hash?.output).toMatchObject({ algorithm: 'sha256' });
  });

  it('refuses template params that are missing or of the wrong type', async () => {
    const { call } = await start({ workflows: { templates: [greet] } });

    const missing = errorText(await call('workflow_run', { template: 'greet', params: {} }));
    const unknown = errorText(await call('workflow_run', { template: 'nope' }));

    expect(missing).toMatch(/^\[INVALID_WORKFLOW\].*who/);
    expect(unknown).toMatch(/^\[UNKNOWN_TEMPLATE\] Unknown workflow template "nope"/);
  });

  it('lists and describes templates from the config and a folder, reporting a bad file', async () => {
    const dir = join(await workdir(), 'workflows');
    await mkdir(dir);
    await writeFile(
      join(dir, 'echo-twice.json'),
      JSON.stringify({
        name: 'echo-twice',
        steps: [
          { id: 'one', category: 'demo', tool: 'echo', params: { value: 1 } },
          {
            id: 'two',
            category: 'demo',
            tool: 'echo',
            params: { value: '${steps.one.output.value}' },
          },
        ],
      }),
    );
    await writeFile(join(dir, 'broken.json'), '{ "name": ');
    const { call } = await start({ workflows: { templates: [greet], dir } });

    const listed = ok<{
      templates: { name: string; steps: number }[];
      problems: { file: string }[];
    }>(await call('list_workflow_templates'));
    const described = ok<{ name: string; mermaid: string; parameters: object }>(
      await call('describe_workflow_template', { name: 'echo-twice' }),
    );

    expect(listed.templates).toEqual([
      expect.objectContaining({ name: 'greet', steps: 2 }),
      expect.objectContaining({ name: 'echo-twice', steps: 2 }),
    ]);
    expect(listed.problems).toEqual([expect.objectContaining({ file: join(dir, 'broken.json') })]);
    expect(described.mermaid).toBe('flowchart TD\n  s0["one"]\n  s1["two"]\n  s0 --> s1\n');
  });
});

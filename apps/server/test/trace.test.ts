import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SpanRecorder } from '../src/backends/index.js';
import {
  type CategorySpec,
  defineTool,
  resolveZodTool,
  type TraceContext,
} from '../src/catalog/index.js';
import { callTrace } from '../src/pipeline/trace.js';
import { dispatcherWith } from './fakes.js';
import { closeAfterTest, workdir } from './helpers.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

/** A category whose one tool answers with the trace context it was given. */
function traced(seen: (TraceContext | undefined)[]): CategorySpec {
  return {
    name: 'traced',
    description: 'Reports its trace context',
    load: () => ({
      tools: [
        resolveZodTool(
          'traced',
          defineTool({
            name: 'run',
            description: 'Runs',
            input: z.object({}),
            run: (_params, ctx) => {
              seen.push(ctx.trace);
              return { ok: true };
            },
          }),
        ),
      ],
    }),
  };
}

describe('trace context of a call', () => {
  it('reads a W3C traceparent: its trace and parent ids, a new span id, and the child context for peers', () => {
    const trace = callTrace({ traceparent: TRACEPARENT, tracestate: 'vendor=1' });

    expect(trace).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_ID });
    expect(trace?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace?.spanId).not.toBe(PARENT_ID);
    expect(trace?.child).toEqual({
      traceparent: `00-${TRACE_ID}-${trace?.spanId}-01`,
      tracestate: 'vendor=1',
    });
  });

  it('starts no trace from a malformed or invalid traceparent', () => {
    for (const traceparent of [
      'nonsense',
      `ff-${TRACE_ID}-${PARENT_ID}-01`,
      `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`,
    ]) {
      expect(callTrace({ traceparent }), traceparent).toBeUndefined();
    }
  });

  it("gives the call's span the caller's trace and the tool the child context", async () => {
    const seen: (TraceContext | undefined)[] = [];
    const { dispatcher, spans } = dispatcherWith([traced(seen)]);

    await dispatcher.dispatch({ category: 'traced', tool: 'run' }, undefined, {
      trace: { traceparent: TRACEPARENT },
    });
    await dispatcher.dispatch({ category: 'traced', tool: 'run' });

    expect(spans[0]).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_ID });
    expect(seen[0]?.traceparent).toBe(`00-${TRACE_ID}-${spans[0]?.spanId}-01`);
    // A call without a trace context leaves the span without ids and the tool without context.
    expect(spans[1]?.traceId).toBeUndefined();
    expect(seen[1]).toBeUndefined();
  });

  it('writes the trace ids into the JSONL span and the OTLP payload', async () => {
    const bodies: unknown[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    closeAfterTest(() => new Promise((resolve) => collector.close(resolve)));
    const { port } = collector.address() as AddressInfo;
    const dir = await workdir();
    const recorder = new SpanRecorder({
      dir: join(dir, 'telemetry'),
      maxFileBytes: 1_000_000,
      maxFiles: 2,
      flushIntervalMs: 60_000,
      otlpUrl: `http://127.0.0.1:${port}/v1/traces`,
    });
    const { dispatcher } = dispatcherWith([traced([])], { telemetry: recorder });

    await dispatcher.dispatch({ category: 'traced', tool: 'run' }, undefined, {
      trace: { traceparent: TRACEPARENT },
    });
    await recorder.shutdown();

    const line = JSON.parse((await readFile(join(dir, 'telemetry', 'spans.jsonl'), 'utf8')).trim());
    expect(line).toMatchObject({ name: 'traced.run', traceId: TRACE_ID, parentSpanId: PARENT_ID });
    expect(line.spanId).toMatch(/^[0-9a-f]{16}$/);
    const otlp = JSON.stringify(bodies);
    expect(otlp).toContain(TRACE_ID);
    expect(otlp).toContain(PARENT_ID);
    expect(otlp).toContain(line.spanId);
  });
});

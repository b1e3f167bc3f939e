import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExportTimeoutError,
  OtlpExportError,
  OtlpHttpExporter,
  type OtlpTraceRequest,
  TelemetryBatcher,
} from '../src/index.js';
import { ManualClock } from './helpers/manual-clock.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: OtlpTraceRequest;
}

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A local OTLP receiver: decodes every request and answers with `respond`. */
async function startReceiver(
  respond: (res: ServerResponse, received: Received) => void = (res) => res.end('{}'),
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(text) as OtlpTraceRequest,
      };
      received.push(entry);
      respond(res, entry);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, received };
}

const signal = new AbortController().signal;

describe('OtlpHttpExporter', () => {
  it('posts OTLP/JSON with the resource, ids, times, attributes and status', async () => {
    const { url, received } = await startReceiver();
    const exporter = new OtlpHttpExporter({
      url,
      serviceName: 'mcp-server',
      resourceAttributes: { 'service.version': '1.2.0' },
      headers: { authorization: 'Bearer secret' },
    });

    await exporter.export(
      [
        {
          name: 'search',
          startTimeMs: 1_700_000_000_123.5,
          durationMs: 10.25,
          ok: true,
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          parentSpanId: '00f067aa0ba902b7',
          attributes: { peer: 'github', 'cache.hit': false, bytes: 512, ratio: 0.5 },
        },
        {
          name: 'fetch',
          startTimeMs: 1_700_000_000_000,
          durationMs: 3,
          ok: false,
          errorCode: 'ETIMEDOUT',
        },
      ],
      { signal },
    );

    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/traces');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe('Bearer secret');
    const resourceSpans = request.body.resourceSpans[0]!;
    expect(resourceSpans.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'mcp-server' } },
      { key: 'service.version', value: { stringValue: '1.2.0' } },
    ]);
    const [search, fetched] = resourceSpans.scopeSpans[0]!.spans;
    expect(search).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '00f067aa0ba902b7',
      name: 'search',
      kind: 1,
      startTimeUnixNano: '1700000000123500000',
      endTimeUnixNano: '1700000000133750000',
      attributes: [
        { key: 'peer', value: { stringValue: 'github' } },
        { key: 'cache.hit', value: { boolValue: false } },
        { key: 'bytes', value: { intValue: '512' } },
        { key: 'ratio', value: { doubleValue: 0.5 } },
      ],
      status: { code: 1 },
    });
    expect(fetched).toMatchObject({
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      attributes: [{ key: 'error.type', value: { stringValue: 'ETIMEDOUT' } }],
      status: { code: 2, message: 'ETIMEDOUT' },
    });
    expect(exporter.stats()).toMatchObject({ requests: 1, spansSent: 2, failures: 0 });
  });

  it('encodes NaN and infinite attributes as proto3 JSON strings, never as null', async () => {
    const { url, received } = await startReceiver();
    const exporter = new OtlpHttpExporter({ url });
    const attributes = { nan: Number.NaN, up: Infinity, down: -Infinity, gone: undefined };

    await exporter.export(
      [{ name: 'a', startTimeMs: 1, durationMs: 1, attributes: attributes as never }],
      { signal },
    );

    expect(received[0]!.body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes).toEqual([
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'up', value: { doubleValue: 'Infinity' } },
      { key: 'down', value: { doubleValue: '-Infinity' } },
    ]);
  });

  it('counts spans the collector rejects in a partial success', async () => {
    const { url } = await startReceiver((res) =>
      res.end(JSON.stringify({ partialSuccess: { rejectedSpans: 1, errorMessage: 'too old' } })),
    );
    const exporter = new OtlpHttpExporter({ url });

    await exporter.export([{ name: 'a', startTimeMs: 1, durationMs: 1 }], { signal });

    expect(exporter.stats().rejectedSpans).toBe(1);
  });

  it('rejects with a non-retryable OtlpExportError on 400', async () => {
    const { url } = await startReceiver((res) => {
      res.statusCode = 400;
      res.end('bad payload');
    });
    const exporter = new OtlpHttpExporter({ url });

    const error = await exporter
      .export([{ name: 'a', startTimeMs: 1, durationMs: 1 }], { signal })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OtlpExportError);
    expect(error).toMatchObject({
      code: 'ERR_TELEMETRY_OTLP_HTTP_ERROR',
      status: 400,
      retryable: false,
    });
    expect((error as Error).message).toContain('bad payload');
  });

  it('rejects with a retryable OtlpExportError on 503', async () => {
    const { url } = await startReceiver((res) => {
      res.statusCode = 503;
      res.end();
    });
    const exporter = new OtlpHttpExporter({ url });

    await expect(
      exporter.export([{ name: 'a', startTimeMs: 1, durationMs: 1 }], { signal }),
    ).rejects.toMatchObject({ status: 503, retryable: true });
  });

  it('aborts the request after timeoutMs', async () => {
    let arrived = false;
    let aborted = false;
    const { url } = await startReceiver((res) => {
      arrived = true;
      res.on('close', () => {
        aborted = !res.writableEnded;
      });
    });
    const clock = new ManualClock();
    const exporter = new OtlpHttpExporter({ url, timeoutMs: 2_000, clock });

    const result = exporter
      .export([{ name: 'a', startTimeMs: 1, durationMs: 1 }], { signal })
      .catch((e: unknown) => e);
    await waitForIo(() => arrived);
    clock.advance(1_999);
    expect(aborted).toBe(false);
    clock.advance(1);

    expect(await result).toBeInstanceOf(ExportTimeoutError);
    await waitForIo(() => aborted);
    expect(exporter.stats().failures).toBe(1);
  });

  it('keeps its request timeout ref’d while the request runs, and clears it when it settles', async () => {
    const clock = new ManualClock();
    let answer: (response: Response) => void = () => {};
    const fetch = (() =>
      new Promise<Response>((resolve) => {
        answer = resolve;
      })) as typeof globalThis.fetch;
    const exporter = new OtlpHttpExporter({ fetch, clock, timeoutMs: 2_000 });

    const result = exporter.export([{ name: 'a', startTimeMs: 1, durationMs: 1 }], { signal });
    expect(clock.refedTimers).toBe(1);
    answer(new Response('{}'));
    await result;

    expect(clock.pendingTimers).toBe(0);
  });

  it('aborts the request when the batcher aborts its signal', async () => {
    const { url } = await startReceiver(() => {});
    const exporter = new OtlpHttpExporter({ url });
    const controller = new AbortController();

    const result = exporter.export([{ name: 'a', startTimeMs: 1, durationMs: 1 }], {
      signal: controller.signal,
    });
    controller.abort(new Error('batcher gave up'));

    await expect(result).rejects.toThrow('batcher gave up');
  });

  it('delivers every span of a batcher to the receiver by shutdown', async () => {
    const { url, received } = await startReceiver();
    const batcher = new TelemetryBatcher({
      exporter: new OtlpHttpExporter({ url }),
      maxBatchSize: 10,
    });

    for (let n = 0; n < 25; n++) batcher.add({ name: `s${n}`, startTimeMs: n, durationMs: 1 });
    await batcher.shutdown();

    const names = received.flatMap((r) =>
      r.body.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name),
    );
    expect(names).toEqual(Array.from({ length: 25 }, (_, n) => `s${n}`));
    expect(received).toHaveLength(3);
  });

  it('throws a TypeError naming url for a non-http URL', () => {
    expect(() => new OtlpHttpExporter({ url: 'ftp://collector' })).toThrow(/url must be/);
    expect(() => new OtlpHttpExporter({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => new OtlpHttpExporter({ timeoutMs: 2 ** 31 })).toThrow(/timeoutMs/);
  });

  it('throws a TypeError naming clock when it lacks setTimeout / clearTimeout', () => {
    expect(() => new OtlpHttpExporter({ clock: { now: () => 0 } as never })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('clock') }),
    );
  });
});

// Polls real I/O progress (not time): the receiver runs on the real event loop.
async function waitForIo(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!condition()) throw new Error('condition never became true');
}

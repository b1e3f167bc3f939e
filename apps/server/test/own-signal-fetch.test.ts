import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownSignalFetch } from '../src/peers/own-signal-fetch.js';

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers: only an abort ends the request
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 5).unref();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('ownSignalFetch', () => {
  it('leaves no listener on the long-lived signal once each response has been read', async () => {
    const longLived = new AbortController();
    for (let i = 0; i < 50; i++) {
      const response = await ownSignalFetch(`${base}/json`, { signal: longLived.signal });
      expect(await response.json()).toEqual({ ok: true });
    }
    expect(getEventListeners(longLived.signal, 'abort')).toHaveLength(0);
  });

  it('keeps the link while a streamed body is being read, and drops it at its end', async () => {
    const longLived = new AbortController();
    const response = await ownSignalFetch(`${base}/stream`, { signal: longLived.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(getEventListeners(longLived.signal, 'abort')).toHaveLength(1);
    expect(await response.text()).toBe('data: one\n\ndata: two\n\n');
    expect(getEventListeners(longLived.signal, 'abort')).toHaveLength(0);
  });

  it('drops the link when the caller cancels the body', async () => {
    const longLived = new AbortController();
    const response = await ownSignalFetch(`${base}/stream`, { signal: longLived.signal });
    await response.body!.cancel();
    expect(getEventListeners(longLived.signal, 'abort')).toHaveLength(0);
  });

  it('aborts a request in flight when the long-lived signal aborts', async () => {
    const longLived = new AbortController();
    const pending = ownSignalFetch(`${base}/hang`, { signal: longLived.signal });
    longLived.abort(new Error('transport closed'));
    await expect(pending).rejects.toThrow('transport closed');
    expect(getEventListeners(longLived.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const longLived = new AbortController();
    longLived.abort(new Error('closed before'));
    await expect(ownSignalFetch(`${base}/json`, { signal: longLived.signal })).rejects.toThrow(
      'closed before',
    );
  });
});

import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cookieValue, SnapshotStream } from '../src/dashboard/index.js';
import { startHttp } from './helpers.js';

const TOKEN = 'routes-test-token';

/** A raw GET (fetch cannot set Host), answering status, headers and body. */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const url = new URL(path, base);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('dashboard routes over HTTP', () => {
  it('asks for the token; exchanges /?token= for an HttpOnly SameSite=Strict cookie', async () => {
    const { base } = await startHttp({ http: { token: TOKEN } });

    expect((await get(base, '/')).status).toBe(401);
    expect((await get(base, '/dashboard/app.js')).status).toBe(401);
    expect((await get(base, '/dashboard/events')).status).toBe(401);
    expect((await get(base, `/?token=wrong`)).status).toBe(401);

    const exchanged = await get(base, `/?token=${TOKEN}`);
    expect(exchanged.status).toBe(303);
    expect(exchanged.headers.location).toBe('/');
    const setCookie = String(exchanged.headers['set-cookie']);
    expect(setCookie).toContain(`x_dashboard=${cookieValue(TOKEN)}`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);

    const cookie = { cookie: `x_dashboard=${cookieValue(TOKEN)}` };
    const page = await get(base, '/', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<script src="/dashboard/app.js" defer></script>');
    expect((await get(base, '/dashboard/app.js', cookie)).status).toBe(200);
    expect((await get(base, '/', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(base, '/', { cookie: `x_dashboard=${cookieValue('other')}` })).status).toBe(
      401,
    );
    // The cookie opens the dashboard, never the MCP endpoint.
    expect((await get(base, '/mcp', cookie, 'POST')).status).toBe(401);
  });

  it('keeps the Host and Origin checks of /mcp, is read-only, and 404s unknown assets', async () => {
    const { base } = await startHttp();
    expect((await get(base, '/')).status).toBe(200);
    expect((await get(base, '/', { host: 'evil.example' })).status).toBe(403);
    expect((await get(base, '/', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await get(base, '/', {}, 'POST')).status).toBe(405);
    expect((await get(base, '/dashboard/../package.json')).status).not.toBe(200);
    expect((await get(base, '/dashboard/nope.js')).status).toBe(404);
    expect((await get(base, '/elsewhere')).status).toBe(404);
  });

  it('streams a snapshot at once, and runs its timer only while a page is connected', async () => {
    const { app, base } = await startHttp();
    const controller = new AbortController();
    const response = await fetch(`${base}/dashboard/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('data: ')) text += new TextDecoder().decode((await reader.read()).value);
    const frame = text.slice(text.indexOf('data: ') + 6).split('\n')[0]!;
    expect(JSON.parse(frame)).toMatchObject({ instance: app.instanceId, tools: [], runs: [] });
    expect(app.dashboard.stream.ticking).toBe(true);

    controller.abort();
    await vi.waitFor(() => expect(app.dashboard.stream.clients).toBe(0));
    expect(app.dashboard.stream.ticking).toBe(false);
  });
});

/** A response that records what it is sent; `writableLength` says what is still unsent. */
class FakeResponse extends EventEmitter {
  frames: string[] = [];
  status = 0;
  writableLength = 0;
  ended = false;
  writeHead(status: number) {
    this.status = status;
    return this;
  }
  write(chunk: string) {
    if (chunk.startsWith('data: ')) this.frames.push(chunk);
    return true;
  }
  end() {
    this.ended = true;
  }
}

const pair = () => {
  const req = new EventEmitter() as unknown as IncomingMessage;
  const res = new FakeResponse();
  return { req, res, raw: res as unknown as ServerResponse };
};

describe('SnapshotStream (server-sent snapshots)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends one frame per interval to every page, built once per tick', () => {
    vi.useFakeTimers();
    let built = 0;
    const stream = new SnapshotStream({ snapshot: () => ({ n: ++built }), intervalMs: 1000 });
    const a = pair();
    const b = pair();
    stream.connect(a.req, a.raw);
    stream.connect(b.req, b.raw);
    expect(built).toBe(2);

    vi.advanceTimersByTime(3000);

    expect(built).toBe(5);
    expect(a.res.frames).toEqual([
      'data: {"n":1}\n\n',
      'data: {"n":3}\n\n',
      'data: {"n":4}\n\n',
      'data: {"n":5}\n\n',
    ]);
    expect(b.res.frames).toHaveLength(4);
    stream.close();
  });

  it('stops its timer when the last page leaves, skips a page that does not read, caps pages', () => {
    vi.useFakeTimers();
    const stream = new SnapshotStream({
      snapshot: () => ({}),
      intervalMs: 1000,
      maxClients: 2,
      maxBufferedBytes: 100,
    });
    const slow = pair();
    const fast = pair();
    stream.connect(slow.req, slow.raw);
    stream.connect(fast.req, fast.raw);
    const third = pair();
    stream.connect(third.req, third.raw);
    expect(third.res.status).toBe(503);

    slow.res.writableLength = 1_000;
    vi.advanceTimersByTime(2000);
    expect(slow.res.frames).toHaveLength(1);
    expect(fast.res.frames).toHaveLength(3);
    expect(stream.stats().skipped).toBe(2);

    slow.res.emit('close');
    fast.res.emit('close');
    expect(stream.ticking).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends every stream on close and refuses new ones', () => {
    const stream = new SnapshotStream({ snapshot: () => ({}) });
    const page = pair();
    stream.connect(page.req, page.raw);
    stream.close();
    expect(page.res.ended).toBe(true);
    const late = pair();
    stream.connect(late.req, late.raw);
    expect(late.res.status).toBe(503);
  });
});

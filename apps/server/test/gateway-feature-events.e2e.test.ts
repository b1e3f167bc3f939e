import { join } from 'node:path';
import {
  type Client,
  type McpSubscription,
  ProtocolError,
  ResourceNotFoundError,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PeerFeatureStats } from '../src/peers/features.js';
import { EVERYTHING_BIN } from './gateway-helpers.js';
import { closeAfterTest, connectHttp, MODERN, ok, startHttp } from './helpers.js';

// Real peers are child processes: on a busy machine starting them takes seconds.
vi.setConfig({ testTimeout: 60_000 });

// What changes on a real peer (server-everything over stdio) reaches clients of both eras:
// list changes, resource updates; cached reads and gets, their TTL (fake clock), their drop on
// an update; shadowed URIs; a peer that dies during a read.

const everything = { command: process.execPath, args: [EVERYTHING_BIN] };
const LEGACY: VersionNegotiationMode = 'legacy';

afterEach(() => {
  vi.useRealTimers();
});

/** Resolves with the first notification `method` brings to `client` for which `match` holds. */
function next<T>(
  client: Client,
  method:
    | 'notifications/resources/list_changed'
    | 'notifications/prompts/list_changed'
    | 'notifications/resources/updated',
  match: (params: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    client.setNotificationHandler(method, (notification) => {
      const params = (notification.params ?? {}) as T;
      if (match(params)) resolve(params);
    });
  });
}

function features(stats: Record<string, unknown>): PeerFeatureStats {
  return stats.peerFeatures as PeerFeatureStats;
}

describe('peer changes reach clients of both eras', () => {
  it("a peer's resources/list_changed: a 2025 session and a 2026-07-28 listener hear it, the list is fresh", async () => {
    const gateway = await startHttp({ peers: { everything } });
    const legacy = await connectHttp(gateway.url, {}, LEGACY);
    const modern = await connectHttp(gateway.url, {}, MODERN);
    const before = (await legacy.listResources(undefined, { cacheMode: 'bypass' })).resources;
    const stream: McpSubscription = await modern.listen({ resourcesListChanged: true });
    closeAfterTest(() => stream.close());
    expect(stream.honoredFilter).toEqual({ resourcesListChanged: true });
    const heardLegacy = next(legacy, 'notifications/resources/list_changed');
    const heardModern = next(modern, 'notifications/resources/list_changed');

    // The peer registers a session resource, and says its list changed.
    const made = await legacy.callTool({
      name: 'dispatch',
      arguments: {
        category: 'everything',
        tool: 'gzip-file-as-resource',
        params: { name: 'note.gz', data: 'data:text/plain;base64,aGVsbG8=' },
      },
    });
    ok(made);
    await Promise.all([heardLegacy, heardModern]);
    const after = (await modern.listResources(undefined, { cacheMode: 'bypass' })).resources;
    expect(after.map((r) => r.uri)).toContain('demo://resource/session/note.gz');
    expect(after).toHaveLength(before.length + 1);
    expect(features(gateway.app.stats()).resourceListChanges).toBeGreaterThanOrEqual(1);
  });

  it('resources/updated: the subscribed 2025 session and the listening 2026-07-28 client hear it, and the cached read is dropped', async () => {
    const gateway = await startHttp({ peers: { everything } });
    const legacy = await connectHttp(gateway.url, {}, LEGACY);
    const modern = await connectHttp(gateway.url, {}, MODERN);
    const uri = 'demo://resource/dynamic/text/5';
    await legacy.readResource({ uri }, { cacheMode: 'bypass' });
    await legacy.subscribeResource({ uri });
    const stream = await modern.listen({ resourceSubscriptions: [uri] });
    closeAfterTest(() => stream.close());
    let stats = features(gateway.app.stats());
    expect(stats.subscriptions).toMatchObject({ uris: 1, subscribers: 1, watched: 1 });
    expect(stats.cache.entries).toBe(1);

    const heardLegacy = next<{ uri: string }>(legacy, 'notifications/resources/updated');
    const heardModern = next<{ uri: string }>(modern, 'notifications/resources/updated');
    // server-everything sends an update for every subscribed URI when this tool turns them on.
    ok(
      await legacy.callTool({
        name: 'dispatch',
        arguments: { category: 'everything', tool: 'toggle-subscriber-updates', params: {} },
      }),
    );
    expect((await heardLegacy).uri).toBe(uri);
    expect((await heardModern).uri).toBe(uri);
    stats = features(gateway.app.stats());
    expect(stats.resourceUpdates).toBeGreaterThanOrEqual(1);
    expect(stats.cache.invalidations).toBeGreaterThanOrEqual(1);
    expect(stats.cache.entries).toBe(0);

    // The last client leaving ends the client subscription (the gateway's own watch stays).
    await legacy.unsubscribeResource({ uri });
    expect(features(gateway.app.stats()).subscriptions).toMatchObject({
      uris: 1,
      subscribers: 0,
      watched: 1,
    });
  });
});

describe('a 2026-07-28 listen names resources never read through x-server', () => {
  it('x-server subscribes on the owner peer, and the update reaches the listening client', async () => {
    const gateway = await startHttp({ peers: { everything } });
    const modern = await connectHttp(gateway.url, {}, MODERN);
    const uri = 'demo://resource/dynamic/text/7';
    const stream = await modern.listen({ resourceSubscriptions: [uri] });
    closeAfterTest(() => stream.close());
    // The SDK applies the filter itself; x-server hears the URIs from the request and watches them.
    await expect
      .poll(() => features(gateway.app.stats()).subscriptions.watched, { timeout: 30_000 })
      .toBe(1);

    const heard = next<{ uri: string }>(modern, 'notifications/resources/updated');
    ok(
      await modern.callTool({
        name: 'dispatch',
        arguments: { category: 'everything', tool: 'toggle-subscriber-updates', params: {} },
      }),
    );
    expect((await heard).uri).toBe(uri);
  });
});

describe('a subscription outlives its peer connection', () => {
  it('the peer process dies: the subscription is taken again on the new one, and updates still come', async () => {
    const gateway = await startHttp({ peers: { everything } });
    const client = await connectHttp(gateway.url, {}, LEGACY);
    const uri = 'demo://resource/dynamic/text/8';
    await client.subscribeResource({ uri });
    const [pid] = gateway.app.peers.processIds();
    process.kill(pid!, 'SIGKILL');
    // Taken again on a new process, without the client asking.
    await expect
      .poll(() => features(gateway.app.stats()).subscriptions.retakes, { timeout: 10_000 })
      .toBe(1);
    await expect
      .poll(() => gateway.app.peers.processIds().filter((p) => p !== pid).length, {
        timeout: 10_000,
      })
      .toBe(1);
    const heard = next<{ uri: string }>(client, 'notifications/resources/updated');
    ok(
      await client.callTool({
        name: 'dispatch',
        arguments: { category: 'everything', tool: 'toggle-subscriber-updates', params: {} },
      }),
    );
    expect((await heard).uri).toBe(uri);
  });
});

describe('subscriptions across two x-servers (the inner one a 2026-07-28 HTTP peer)', () => {
  it('resources/updated from server-everything reaches a client of the outer x-server', async () => {
    const inner = await startHttp({ peers: { everything } });
    const outer = await startHttp({ peers: { inner: { url: inner.url } } });
    const client = await connectHttp(outer.url, {}, LEGACY);
    const uri = 'demo://resource/dynamic/text/6';
    // A 2026-07-28 client's listen filter does not reach x-server (the SDK applies it), so the
    // inner one subscribes on server-everything to what is read through it: read, then subscribe.
    await client.readResource({ uri }, { cacheMode: 'bypass' });
    await client.subscribeResource({ uri });
    // The outer one listens on the inner one (one stream for its URIs).
    expect(outer.app.peers.stats().eras).toEqual({ inner: '2026-07-28' });
    expect(features(inner.app.stats()).subscriptions.uris).toBe(1);
    const heard = next<{ uri: string }>(client, 'notifications/resources/updated');
    ok(
      await client.callTool({
        name: 'dispatch',
        arguments: {
          category: 'inner',
          tool: 'dispatch',
          params: { category: 'everything', tool: 'toggle-subscriber-updates', params: {} },
        },
      }),
    );
    expect((await heard).uri).toBe(uri);
    await client.unsubscribeResource({ uri });
    // The outer one's own watch (the read) stays; the client's subscription is gone.
    expect(features(outer.app.stats()).subscriptions).toMatchObject({
      uris: 1,
      subscribers: 0,
      watched: 1,
    });
  });
});

describe('caching of reads and gets', () => {
  it('resources/read and prompts/get: served from the cache within resourceCacheTtlMs, asked again after it (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const gateway = await startHttp({
      peers: { everything: { ...everything, resourceCacheTtlMs: 5_000 } },
    });
    const client = await connectHttp(gateway.url, {}, MODERN);
    const uri = 'demo://resource/dynamic/text/9';
    const read = () => client.readResource({ uri }, { cacheMode: 'bypass' });
    const get = () =>
      client.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Nice' } });

    const first = await read();
    await get();
    vi.advanceTimersByTime(4_000);
    expect(await read()).toEqual(first);
    await get();
    let cache = features(gateway.app.stats()).cache;
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 2 });

    vi.advanceTimersByTime(1_001);
    await read();
    await get();
    cache = features(gateway.app.stats()).cache;
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 4 });
  });

  it('resourceCacheTtlMs 0: every read goes to the peer', async () => {
    const gateway = await startHttp({
      peers: { everything: { ...everything, resourceCacheTtlMs: 0 } },
    });
    const client = await connectHttp(gateway.url, {}, LEGACY);
    const uri = 'demo://resource/dynamic/text/3';
    await client.readResource({ uri }, { cacheMode: 'bypass' });
    await client.readResource({ uri }, { cacheMode: 'bypass' });
    const { cache } = features(gateway.app.stats());
    expect({ hits: cache.hits, misses: cache.misses, entries: cache.entries }).toEqual({
      hits: 0,
      misses: 2,
      entries: 0,
    });
  });
});

describe('two peers, one URI; a peer down mid-request', () => {
  it('the first peer in config order owns a URI both list; server_stats counts the shadowed ones', async () => {
    const gateway = await startHttp({
      peers: { first: { ...everything, prefix: '' }, second: { ...everything, prefix: '' } },
    });
    const client = await connectHttp(gateway.url, {}, MODERN);
    const resources = (await client.listResources(undefined, { cacheMode: 'bypass' })).resources;
    const prompts = (await client.listPrompts(undefined, { cacheMode: 'bypass' })).prompts;
    expect(new Set(resources.map((r) => r.uri)).size).toBe(resources.length);
    // As server_stats answers it.
    const answer = ok<{ stats: Record<string, unknown> }>(
      await client.callTool({ name: 'server_stats', arguments: {} }),
    );
    const stats = features(answer.stats);
    expect(stats.shadowedUris).toBe(resources.length);
    expect(stats.shadowedPrompts).toBe(prompts.length);
    // Two peers with resources: a URI neither lists nor matches is x-server's not-found.
    const unknown = await client
      .readResource({ uri: 'nowhere://nothing' }, { cacheMode: 'bypass' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ResourceNotFoundError);
    expect((unknown as ResourceNotFoundError).uri).toBe('nowhere://nothing');
    // Reads go to the owner only: the second peer has not been asked to read anything.
    await client.readResource({ uri: resources[0]!.uri }, { cacheMode: 'bypass' });
    expect(gateway.app.peers.stats().eras).toHaveProperty('first');
  });

  it('a peer that dies during resources/read: a protocol error naming the peer, at once', async () => {
    const dying = {
      command: process.execPath,
      args: [join(import.meta.dirname, 'fixtures', 'dies-on-read.mjs')],
      timeoutMs: 120_000,
    };
    const gateway = await startHttp({ peers: { dying } });
    for (const mode of [LEGACY, MODERN]) {
      const client = await connectHttp(gateway.url, {}, mode);
      const started = performance.now();
      const error = await client
        .readResource({ uri: 'doomed://resource' }, { cacheMode: 'bypass' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as Error).message).toMatch(/PEER_(DISCONNECTED|UNAVAILABLE)/);
      expect((error as Error).message).toContain('"dying"');
      // Far below the peer's 120 s timeout (the process start included, seconds on a busy
      // machine): the loss is noticed, not waited out.
      expect(performance.now() - started).toBeLessThan(30_000);
    }
  }, 90_000);
});

import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContentBlock } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { BreakerGuard, PriorityScheduler, TieredResultCache } from '../src/backends/index.js';
import { CategoryRegistry, type ContentAnswer, type ResolvedTool } from '../src/catalog/index.js';
import { Dispatcher, dispatchParallel, IdempotencyStore } from '../src/pipeline/index.js';

const REDIS_URL = process.env.REDIS_URL;

const TINY_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** What a peer's tool might answer: text, an image, audio, a resource link, a resource. */
const BLOCKS: ContentBlock[] = [
  { type: 'text', text: "Here's the image you requested:" },
  { type: 'image', data: TINY_PNG, mimeType: 'image/png' },
  { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
  { type: 'resource_link', uri: 'test://static/resource/1', name: 'Resource 1' },
  {
    type: 'resource',
    resource: { uri: 'test://static/resource/2', mimeType: 'text/plain', text: 'two' },
  },
];

/** A category with one tool that answers like an MCP tool (as a peer's does), counting runs. */
function contentCategory(answer: ContentAnswer) {
  const runs = { count: 0 };
  const tool: ResolvedTool = {
    category: 'peer',
    name: 'picture',
    description: 'Answers with content blocks',
    hints: { readOnlyHint: true, idempotentHint: true },
    cacheTtlMs: 60_000,
    answersWithContent: true,
    jsonSchema: () => ({ type: 'object' }),
    validate: (params) => ({ ok: true, value: params }),
    run: async () => {
      runs.count++;
      // A fresh copy each time, as a peer's answer arrives.
      return structuredClone(answer);
    },
  };
  return { spec: { name: 'peer', description: 'A peer', load: () => ({ tools: [tool] }) }, runs };
}

describe('Dispatcher: tools that answer with content blocks', () => {
  const caches: TieredResultCache[] = [];

  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.close()));
  });

  async function dispatcherWith(
    answer: ContentAnswer,
    tiers: { diskDir?: string; redisUrl?: string; namespace?: string } = {},
  ) {
    const { diskDir, redisUrl, namespace = 'test' } = tiers;
    const sharedStores = [];
    if (redisUrl !== undefined) {
      const { default: KeyvRedis } = await import('@keyv/redis');
      sharedStores.push(new KeyvRedis(redisUrl));
    }
    const registry = new CategoryRegistry();
    const category = contentCategory(answer);
    registry.register(category.spec);
    const cache = new TieredResultCache({
      memoryMaxEntries: 100,
      diskMaxBytes: 1_000_000,
      namespace,
      sharedStores,
      ...(diskDir === undefined ? {} : { diskDir }),
    });
    caches.push(cache);
    const dispatcher = new Dispatcher({
      registry,
      scheduler: new PriorityScheduler({ concurrency: 4 }),
      guard: new BreakerGuard({ failureThreshold: 5, recoveryTimeoutMs: 30_000 }),
      cache,
      idempotency: new IdempotencyStore({ windowMs: 60_000, maxKeys: 100 }),
      observers: [],
      categoryPriority: () => 0,
      defaultCacheTtlMs: 60_000,
    });
    return { dispatcher, cache, runs: category.runs };
  }

  const call = { category: 'peer', tool: 'picture', params: {} };

  it('hands back the content blocks as the tool gave them, and { content } as the data form', async () => {
    const { dispatcher } = await dispatcherWith({ content: BLOCKS });

    const done = await dispatcher.dispatch(call);

    expect(done.answer).toEqual({ content: BLOCKS });
    expect(done.result).toEqual({ content: BLOCKS });
  });

  it("takes the tool's structured content as the data form when it has one", async () => {
    const structuredContent = { temperature: 33, conditions: 'Cloudy' };
    const { dispatcher } = await dispatcherWith({ content: BLOCKS.slice(0, 1), structuredContent });

    const done = await dispatcher.dispatch(call);

    expect(done.answer).toEqual({ content: BLOCKS.slice(0, 1), structuredContent });
    expect(done.result).toEqual(structuredContent);
  });

  it('serves the same content blocks from a disk cache tier written by another dispatcher', async () => {
    const diskDir = await mkdtemp(join(tmpdir(), 'x-server-content-'));
    const first = await dispatcherWith({ content: BLOCKS }, { diskDir });
    const answered = await first.dispatcher.dispatch(call);
    await first.cache.close();
    const second = await dispatcherWith({ content: [] }, { diskDir });

    const done = await second.dispatcher.dispatch(call);

    expect(answered.cached).toBe(false);
    expect(done.cached).toBe(true);
    expect(done.answer).toEqual({ content: BLOCKS });
    expect(second.runs.count).toBe(0);
  });

  it.skipIf(!REDIS_URL)(
    'serves the same content blocks from a Redis tier written by another dispatcher (REDIS_URL)',
    async () => {
      const tiers = { redisUrl: REDIS_URL!, namespace: `content-${randomUUID()}` };
      const first = await dispatcherWith({ content: BLOCKS }, tiers);
      await first.dispatcher.dispatch(call);
      await first.cache.close();
      const second = await dispatcherWith({ content: [] }, tiers);

      const done = await second.dispatcher.dispatch(call);

      expect(done.cached).toBe(true);
      expect(done.answer).toEqual({ content: BLOCKS });
      expect(second.runs.count).toBe(0);
    },
  );

  it('runs the tool again when the cached entry is not in the answer shape (an older entry)', async () => {
    const { dispatcher, cache, runs } = await dispatcherWith({ content: BLOCKS });
    await cache.set(cache.key('peer', 'picture', {}), { temperature: 1 }, 60_000);

    const done = await dispatcher.dispatch(call);

    expect(done).toMatchObject({ cached: false, answer: { content: BLOCKS } });
    expect(runs.count).toBe(1);
  });

  it('answers the data form to dispatchParallel', async () => {
    const structuredContent = { ok: true };
    const { dispatcher } = await dispatcherWith({ content: BLOCKS, structuredContent });

    const [outcome] = await dispatchParallel(dispatcher, [call]);

    expect(outcome).toEqual({ ok: true, result: structuredContent, cached: false });
  });
});

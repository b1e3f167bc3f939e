import { join } from 'node:path';
import { type CallToolResult, Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { EVERYTHING_BIN, type Gateway, isAlive, startGateway } from './gateway-helpers.js';
import { ok, workdir } from './helpers.js';

interface Envelope {
  category: string;
  tool: string;
  result?: unknown;
  cached: boolean;
  replayed: boolean;
  durationMs: number;
}

const everything = { command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] };

/** get-tiny-image's answer straight from server-everything, with no gateway in between. */
async function tinyImageFromThePeer(): Promise<CallToolResult['content']> {
  const client = new Client({ name: 'direct', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ ...everything, stderr: 'pipe' }));
  try {
    const answer = (await client.callTool({
      name: 'get-tiny-image',
      arguments: {},
    })) as CallToolResult;
    return answer.content;
  } finally {
    await client.close();
  }
}

// A peer's answer through dispatch: the peer's own content blocks, and the call in structuredContent.
describe("a peer tool's content through dispatch: server-everything", () => {
  const gateways: Gateway[] = [];
  const pids = new Set<number>();

  afterEach(async () => {
    for (const gateway of gateways.splice(0)) {
      for (const pid of gateway.app.peers.processIds()) pids.add(pid);
      await gateway.close();
    }
    await expect.poll(() => [...pids].filter(isAlive), { timeout: 10_000 }).toEqual([]);
    pids.clear();
  });

  async function start(cache: Record<string, unknown> = {}) {
    const gateway = await startGateway({ builtins: [], peers: { everything }, cache });
    gateways.push(gateway);
    return gateway;
  }

  const tinyImage = { category: 'everything', tool: 'get-tiny-image', params: {} };

  it('passes an image answer on as the peer sent it: text, image/png, text', async () => {
    const gateway = await start();
    const direct = await tinyImageFromThePeer();

    const answer = await gateway.call('dispatch', tinyImage);

    expect(answer.isError).toBeFalsy();
    expect(answer.content).toEqual(direct);
    expect((answer.content as { type: string }[]).map((block) => block.type)).toEqual([
      'text',
      'image',
      'text',
    ]);
    expect(answer.content).toContainEqual(
      expect.objectContaining({ type: 'image', mimeType: 'image/png' }),
    );
    const envelope = ok<Envelope>(answer);
    expect(envelope).toEqual({
      category: 'everything',
      tool: 'get-tiny-image',
      cached: false,
      replayed: false,
      durationMs: expect.any(Number),
    });
    // Rounded to the hundredth of a millisecond.
    expect(Math.round(envelope.durationMs * 100) / 100).toBe(envelope.durationMs);
  });

  it('answers the cached repeat with the same content blocks', async () => {
    const gateway = await start();
    const first = await gateway.call('dispatch', tinyImage);

    const second = await gateway.call('dispatch', tinyImage);

    expect(ok<Envelope>(second).cached).toBe(true);
    expect(second.content).toEqual(first.content);
    expect(gateway.app.peers.stats().calls).toBe(1);
  });

  it('answers the same content blocks from the disk cache of an earlier server, without calling the peer', async () => {
    const cache = { disk: true, dir: join(await workdir(), 'shared-cache') };
    const earlier = await start(cache);
    const first = await earlier.call('dispatch', tinyImage);
    gateways.splice(gateways.indexOf(earlier), 1);
    for (const pid of earlier.app.peers.processIds()) pids.add(pid);
    await earlier.close();
    const later = await start(cache);

    const second = await later.call('dispatch', tinyImage);

    expect(ok<Envelope>(second).cached).toBe(true);
    expect(second.content).toEqual(first.content);
    expect(later.app.peers.stats().calls).toBe(0);
  });

  it('keeps embedded resources and resource links as they are', async () => {
    const gateway = await start();

    const reference = await gateway.call('dispatch', {
      category: 'everything',
      tool: 'get-resource-reference',
      params: { resourceType: 'Text', resourceId: 2 },
    });
    const links = await gateway.call('dispatch', {
      category: 'everything',
      tool: 'get-resource-links',
      params: { count: 2 },
    });

    expect(reference.isError).toBeFalsy();
    expect(reference.content).toEqual([
      expect.objectContaining({ type: 'text' }),
      {
        type: 'resource',
        resource: expect.objectContaining({
          uri: expect.stringMatching(/2$/),
          text: expect.any(String),
        }),
      },
      expect.objectContaining({ type: 'text' }),
    ]);
    expect(links.isError).toBeFalsy();
    const linkBlocks = (links.content as { type: string }[]).filter(
      (block) => block.type === 'resource_link',
    );
    expect(linkBlocks).toHaveLength(2);
    expect(linkBlocks[0]).toMatchObject({ uri: expect.any(String), name: expect.any(String) });
  });

  it("gives the peer's structured content as result, next to the peer's own content", async () => {
    const gateway = await start();

    const answer = await gateway.call('dispatch', {
      category: 'everything',
      tool: 'get-structured-content',
      params: { location: 'Chicago' },
    });

    const weather = { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 };
    expect(ok<Envelope>(answer)).toMatchObject({ tool: 'get-structured-content', result: weather });
    expect(answer.content).toEqual([{ type: 'text', text: JSON.stringify(weather) }]);
  });

  it('gives dispatch_parallel and workflow steps the data form of the answer', async () => {
    const gateway = await start();

    const parallel = ok<{ results: { ok: boolean; result: { content: { type: string }[] } }[] }>(
      await gateway.call('dispatch_parallel', { calls: [tinyImage] }),
    );
    const run = ok<{ status: string; steps: { id: string; output: unknown }[] }>(
      await gateway.call('workflow_run', {
        steps: [
          {
            id: 'weather',
            category: 'everything',
            tool: 'get-structured-content',
            params: { location: 'Chicago' },
          },
          {
            id: 'say',
            category: 'everything',
            tool: 'echo',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow reference
            params: { message: '${steps.weather.output.conditions}' },
            needs: ['weather'],
          },
        ],
      }),
    );

    expect(parallel.results[0]!.result.content.map((block) => block.type)).toEqual([
      'text',
      'image',
      'text',
    ]);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((step) => step.id === 'say')?.output).toEqual({
      content: [{ type: 'text', text: 'Echo: Light rain / drizzle' }],
    });
  });

  it("shows the peer's instructions in its category's description once it has connected", async () => {
    const gateway = await start();
    const description = async () => {
      const { categories } = ok<{ categories: { name: string; description: string }[] }>(
        await gateway.call('list_categories'),
      );
      return categories.find((category) => category.name === 'everything')!.description;
    };
    const before = await description();

    ok(await gateway.call('list_tools', { category: 'everything' }));
    const after = await description();

    expect(before).not.toMatch(/Instructions from the peer/);
    expect(after.startsWith(before)).toBe(true);
    expect(after).toMatch(/\n\nInstructions from the peer:\n[\s\S]*toggle-simulated-logging/);
    expect(gateway.app.peers.instructions('everything')).toMatch(/Everything Server/);
  });
});

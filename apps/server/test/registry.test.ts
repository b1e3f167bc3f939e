import { describe, expect, it } from 'vitest';
import { textTools } from '../src/catalog/builtins/text.js';
import { CategoryRegistry } from '../src/catalog/registry.js';
import { resolveZodTool } from '../src/catalog/tool.js';
import { CategoryLoadError, UnknownCategoryError, UnknownToolError } from '../src/errors.js';

const tools = () => textTools.map((tool) => resolveZodTool('text', tool));

describe('CategoryRegistry', () => {
  it('lists categories without loading them', () => {
    const registry = new CategoryRegistry();
    let loads = 0;
    registry.register({
      name: 'text',
      description: 'Text',
      load: () => {
        loads += 1;
        return { tools: tools() };
      },
    });

    const listed = registry.list();

    expect(listed).toEqual([
      { name: 'text', description: 'Text', loaded: false, toolCount: undefined },
    ]);
    expect(loads).toBe(0);
  });

  it('runs the loader once under concurrent first uses', async () => {
    const registry = new CategoryRegistry();
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    registry.register({
      name: 'text',
      description: 'Text',
      load: async () => {
        loads += 1;
        await gate;
        return { tools: tools() };
      },
    });

    const pending = Array.from({ length: 10 }, () => registry.tool('text', 'hash'));
    release();
    const found = await Promise.all(pending);

    expect(loads).toBe(1);
    expect(new Set(found).size).toBe(1);
    expect(registry.stats()).toMatchObject({ loaded: 1, loads: 1, loadFailures: 0 });
  });

  it('reports a failing loader clearly and retries it on the next use', async () => {
    const registry = new CategoryRegistry();
    let attempts = 0;
    registry.register({
      name: 'remote',
      description: 'Remote',
      load: () => {
        attempts += 1;
        if (attempts === 1) throw new Error('connection refused');
        return { tools: tools() };
      },
    });

    const first = registry.tools('remote');
    await expect(first).rejects.toBeInstanceOf(CategoryLoadError);
    await expect(first).rejects.toThrow(/Category "remote" failed to load: connection refused/);
    const second = await registry.tools('remote');

    expect(attempts).toBe(2);
    expect(second.size).toBe(textTools.length);
    expect(registry.stats().loadFailures).toBe(1);
  });

  it('rejects unknown categories and tools with typed errors', async () => {
    const registry = new CategoryRegistry();
    registry.register({ name: 'text', description: 'Text', load: () => ({ tools: tools() }) });

    await expect(registry.tool('nope', 'x')).rejects.toBeInstanceOf(UnknownCategoryError);
    await expect(registry.tool('text', 'nope')).rejects.toBeInstanceOf(UnknownToolError);
  });

  it('refuses a duplicate or badly named category', () => {
    const registry = new CategoryRegistry();
    registry.register({ name: 'text', description: 'Text', load: () => ({ tools: [] }) });

    expect(() =>
      registry.register({ name: 'text', description: 'Again', load: () => ({ tools: [] }) }),
    ).toThrow(TypeError);
    expect(() =>
      registry.register({ name: 'Bad Name', description: 'x', load: () => ({ tools: [] }) }),
    ).toThrow(/lowercase/);
  });

  it('closes loaded categories once', async () => {
    const registry = new CategoryRegistry();
    let closes = 0;
    registry.register({
      name: 'a',
      description: 'A',
      load: () => ({
        tools: [],
        close: () => {
          closes += 1;
        },
      }),
    });
    await registry.tools('a');

    await registry.close();
    await registry.close();

    expect(closes).toBe(1);
  });

  it('does not keep a load that was invalidated while it ran (a tool list that changed mid-listing)', async () => {
    const registry = new CategoryRegistry();
    const finishes: (() => void)[] = [];
    let loads = 0;
    registry.register({
      name: 'text',
      description: 'Text',
      load: async () => {
        const listing = ++loads === 1 ? tools().slice(0, 1) : tools();
        await new Promise<void>((resolve) => finishes.push(resolve));
        return { tools: listing };
      },
    });
    const first = registry.tools('text');
    await Promise.resolve();

    registry.invalidate('text');
    finishes[0]!();
    const during = (await first).size;
    const next = registry.tools('text');
    await Promise.resolve();
    finishes[1]?.();
    const after = (await next).size;

    expect(during).toBe(1);
    expect(loads).toBe(2);
    expect(after).toBe(tools().length);
    expect(registry.stats()).toMatchObject({ loaded: 1, invalidations: 1 });
  });

  it('runs the loader again after invalidate, closing what the first load opened', async () => {
    const registry = new CategoryRegistry();
    let loads = 0;
    let closes = 0;
    registry.register({
      name: 'text',
      description: 'Text',
      load: () => {
        loads += 1;
        return { tools: loads === 1 ? tools().slice(0, 1) : tools(), close: () => void closes++ };
      },
    });
    const before = (await registry.tools('text')).size;

    registry.invalidate('text');
    const listedBetween = registry.list()[0]?.loaded;
    const after = (await registry.tools('text')).size;
    await Promise.resolve();

    expect(before).toBe(1);
    expect(listedBetween).toBe(false);
    expect(after).toBe(tools().length);
    expect(closes).toBe(1);
    expect(registry.stats()).toMatchObject({ loads: 2, invalidations: 1 });
  });
});

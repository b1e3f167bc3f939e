import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinCategories } from '../src/catalog/builtins/index.js';
import { CategoryRegistry } from '../src/catalog/registry.js';
import { searchTools, stem } from '../src/catalog/search.js';

describe('search_tools ranking over the built-in categories', () => {
  let registry: CategoryRegistry;

  beforeAll(async () => {
    registry = new CategoryRegistry();
    const root = await mkdtemp(join(tmpdir(), 'x-server-search-'));
    for (const spec of builtinCategories(['text', 'time', 'fs', 'demo'], root)) {
      registry.register(spec);
    }
  });

  const ranked = async (query: string) =>
    (await searchTools(registry, query, 20)).hits.map((hit) => `${hit.category}.${hit.tool}`);

  it('ranks fs.read_file first for "read a file", with no demo tool in the top 3', async () => {
    const hits = await ranked('read a file');

    expect(hits[0]).toBe('fs.read_file');
    expect(hits.slice(0, 3).filter((hit) => hit.startsWith('demo.'))).toEqual([]);
  });

  it('ignores stop words: "a" alone no longer matches demo.flaky', async () => {
    const hits = await ranked('the date of a time zone');

    expect(hits).not.toContain('demo.flaky');
    expect(hits[0]).toMatch(/^time\./);
  });

  it('matches plurals to singulars: "list directories" finds fs.list_dir first', async () => {
    expect((await ranked('list directories'))[0]).toBe('fs.list_dir');
    expect((await ranked('hashes'))[0]).toBe('text.hash');
  });

  it('ranks a tool matching every word above one matching some', async () => {
    expect((await ranked('sha256 hash'))[0]).toBe('text.hash');
    expect((await ranked('match regular expression'))[0]).toBe('text.regex_match');
  });

  it('still searches when the query is only stop words', async () => {
    const { hits } = await searchTools(registry, 'a', 20);

    expect(hits.length).toBeGreaterThan(0);
  });

  it('strips simple plural endings only', () => {
    expect(
      ['files', 'directories', 'hashes', 'matches', 'classes', 'status', 'ms', 'read'].map(stem),
    ).toEqual(['file', 'directory', 'hash', 'match', 'class', 'status', 'ms', 'read']);
  });
});

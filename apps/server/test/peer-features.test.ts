import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { TtlCache } from '../src/peers/feature-cache.js';
import {
  InvalidCursorError,
  mergePrompts,
  mergeResources,
  page,
} from '../src/peers/feature-listings.js';

describe('TtlCache: the bounded cache of peers’ reads and gets', () => {
  it('serves an entry until its TTL ends, then misses; a TTL of 0 keeps nothing', () => {
    let now = 1_000;
    const cache = new TtlCache<string>({ maxEntries: 10, now: () => now });
    cache.set('a', 'peer', 'A', 500);
    cache.set('zero', 'peer', 'Z', 0);
    expect(cache.get('a')).toBe('A');
    now += 499;
    expect(cache.get('a')).toBe('A');
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('zero')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 0, hits: 2, misses: 2 });
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new TtlCache<number>({ maxEntries: 2, now: () => 0 });
    cache.set('a', 'p', 1, 1_000);
    cache.set('b', 'p', 2, 1_000);
    cache.get('a');
    cache.set('c', 'p', 3, 1_000);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.stats()).toMatchObject({ entries: 2, evictions: 1 });
  });

  it('drops one entry, or those of one peer, counted as invalidations', () => {
    const cache = new TtlCache<number>({ maxEntries: 10, now: () => 0 });
    cache.set('r\0one\0x', 'one', 1, 1_000);
    cache.set('p\0one\0y', 'one', 2, 1_000);
    cache.set('p\0two\0y', 'two', 3, 1_000);
    expect(cache.delete('r\0one\0x')).toBe(true);
    expect(cache.delete('r\0one\0x')).toBe(false);
    cache.deletePeer('one', (key) => key.startsWith('p\0'));
    expect(cache.get('p\0one\0y')).toBeUndefined();
    expect(cache.get('p\0two\0y')).toBe(3);
    expect(cache.stats()).toMatchObject({ entries: 1, invalidations: 2 });
  });
});

describe('merged lists and our cursor', () => {
  it('pages a list with an opaque cursor, and refuses one it did not hand out', () => {
    const items = Array.from({ length: 250 }, (_, i) => i);
    const first = page(items, undefined, 100);
    expect(first.items).toEqual(items.slice(0, 100));
    const second = page(items, first.nextCursor, 100);
    expect(second.items).toEqual(items.slice(100, 200));
    const third = page(items, second.nextCursor, 100);
    expect(third).toEqual({ items: items.slice(200) });
    for (const bad of ['abc', Buffer.from('o:-5').toString('base64url'), '']) {
      expect(() => page(items, bad, 100)).toThrow(InvalidCursorError);
    }
  });

  it('the first peer in config order owns a URI; later ones are shadowed', () => {
    const merged = mergeResources(
      ['a', 'b'],
      new Map([
        [
          'a',
          [
            { uri: 'x://1', name: 'one' },
            { uri: 'x://2', name: 'two' },
          ],
        ],
        [
          'b',
          [
            { uri: 'x://2', name: 'two again' },
            { uri: 'x://3', name: 'three' },
          ],
        ],
      ]),
    );
    expect(merged.resources.map((r) => r.name)).toEqual(['one', 'two', 'three']);
    expect(merged.owners.get('x://2')).toBe('a');
    expect(merged.owners.get('x://3')).toBe('b');
    expect(merged.shadowed).toBe(1);
  });

  it('prompts take their peer’s prefix; an equal prefixed name belongs to the first peer', () => {
    const { peers } = parseConfig({
      peers: {
        docs: { command: 'docs' },
        bare: { command: 'bare', prefix: '' },
        twin: { command: 'twin', prefix: '' },
      },
    });
    const merged = mergePrompts(
      ['docs', 'bare', 'twin'],
      peers,
      new Map([
        ['docs', [{ name: 'summary' }]],
        ['bare', [{ name: 'summary' }]],
        ['twin', [{ name: 'summary', description: 'hidden' }, { name: 'other' }]],
      ]),
    );
    expect(merged.prompts.map((p) => p.name)).toEqual(['docs__summary', 'summary', 'other']);
    expect(merged.owners.get('docs__summary')).toEqual({ peer: 'docs', name: 'summary' });
    expect(merged.owners.get('summary')).toEqual({ peer: 'bare', name: 'summary' });
    expect(merged.shadowed).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { globToRegExp, toolFilter } from '../src/peers/tool-filter.js';

describe('peer tool filters: tools.allow / tools.deny globs', () => {
  it('keeps every tool when neither allow nor deny is set', () => {
    const kept = toolFilter({ deny: [] });

    expect(['echo', 'delete_everything', ''].filter(kept)).toEqual([
      'echo',
      'delete_everything',
      '',
    ]);
  });

  it('keeps only the tools an allow pattern matches', () => {
    const kept = toolFilter({ allow: ['get-*', 'echo'], deny: [] });

    expect(['echo', 'echoes', 'get-env', 'get-', 'trigger-get-x'].filter(kept)).toEqual([
      'echo',
      'get-env',
      'get-',
    ]);
  });

  it('drops the tools a deny pattern matches, even when allow matches them too', () => {
    const kept = toolFilter({ allow: ['*'], deny: ['delete_*', 'drop?'] });

    expect(['delete_file', 'drop1', 'drop12', 'read_file'].filter(kept)).toEqual([
      'drop12',
      'read_file',
    ]);
  });

  it('matches whole names, case-sensitively, with regex characters taken literally', () => {
    const kept = toolFilter({ allow: ['a.b', 'x+(y)', 'Read*'], deny: [] });

    expect(
      ['a.b', 'aXb', 'x+(y)', 'xx(y)', 'Read_me', 'read_me', 'prefix a.b'].filter(kept),
    ).toEqual(['a.b', 'x+(y)', 'Read_me']);
  });

  it('turns * into any run of characters and ? into exactly one', () => {
    expect(globToRegExp('a*z').test('az')).toBe(true);
    expect(globToRegExp('a*z').test('a/b.c z')).toBe(true);
    expect(globToRegExp('a?z').test('az')).toBe(false);
    expect(globToRegExp('a?z').test('abz')).toBe(true);
  });

  it('an empty allow list keeps nothing', () => {
    const kept = toolFilter({ allow: [], deny: [] });

    expect(['echo', 'add'].filter(kept)).toEqual([]);
  });
});

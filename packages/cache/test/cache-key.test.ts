import { describe, expect, it } from 'vitest';
import { cacheKey, UnserializableValueError } from '../src/index.js';

describe('cacheKey', () => {
  it('ignores object key order, at every depth', () => {
    expect(cacheKey('t', { a: 1, b: { c: 2, d: 3 } })).toBe(
      cacheKey('t', { b: { d: 3, c: 2 }, a: 1 }),
    );
  });

  it('keeps array order significant', () => {
    expect(cacheKey('t', [1, 2])).not.toBe(cacheKey('t', [2, 1]));
  });

  // The expected text is SHA-256 of '{"city":"Oslo","units":"metric"}', computed outside this package.
  it('is stable across processes and releases (a fixed expected value)', () => {
    expect(cacheKey('weather.get', { city: 'Oslo', units: 'metric' })).toBe(
      'weather.get:FGRCZzzOoo7cM9yg92Kk3rivYjkpzQ05YDReBUiK93Q',
    );
  });

  it('separates names and distinguishes types that JSON text could confuse', () => {
    expect(cacheKey('a', { x: 1 })).not.toBe(cacheKey('b', { x: 1 }));
    expect(cacheKey('t', { x: '1' })).not.toBe(cacheKey('t', { x: 1 }));
    expect(cacheKey('t', { 'a"': 1 })).not.toBe(cacheKey('t', { a: '"1' }));
  });

  it('treats undefined properties as absent, like JSON', () => {
    expect(cacheKey('t', { a: 1, b: undefined })).toBe(cacheKey('t', { a: 1 }));
  });

  it('rejects inputs that are not JSON-like with UnserializableValueError', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;

    expect(() => cacheKey('t', { f: () => 1 })).toThrow(UnserializableValueError);
    expect(() => cacheKey('t', { n: 1n })).toThrow('inputs.n is a bigint');
    expect(() => cacheKey('t', circular)).toThrow('inputs.self is circular');
    expect(() => cacheKey('t', { n: Number.NaN })).toThrow(/NaN/);
  });

  it('rejects an empty name', () => {
    expect(() => cacheKey('', {})).toThrow(TypeError);
  });
});

import { describe, expect, it } from 'vitest';
import { PeerPool, type PeerPoolOptions } from '../src/index.js';
import { FakeConn } from './helpers.js';

const base: PeerPoolOptions<FakeConn> = {
  create: (peerId) => new FakeConn(peerId),
  destroy: () => undefined,
};

describe('PeerPool options', () => {
  it('requires create and destroy to be functions', () => {
    expect(() => new PeerPool({ ...base, create: undefined as never })).toThrow(TypeError);
    expect(() => new PeerPool({ ...base, destroy: 'x' as never })).toThrow(/options\.destroy/);
  });

  it('rejects a validate that is not a function', () => {
    expect(() => new PeerPool({ ...base, validate: 1 as never })).toThrow(/options\.validate/);
  });

  it.each([
    ['maxPerPeer', 0],
    ['maxPerPeer', 1.5],
    ['minPerPeer', -1],
    ['maxPeers', 0],
    ['maxTotal', Number.NaN],
    ['acquireTimeoutMs', 0],
    ['acquireTimeoutMs', Number.POSITIVE_INFINITY],
    ['idleTimeoutMs', -1],
    ['createTimeoutMs', 3_000_000_000],
    ['destroyTimeoutMs', '5' as unknown as number],
  ])('throws a RangeError naming %s for %s', (name, value) => {
    expect(() => new PeerPool({ ...base, [name]: value })).toThrow(
      expect.objectContaining({ name: 'RangeError', message: expect.stringContaining(name) }),
    );
  });

  it('refuses a minPerPeer above maxPerPeer', () => {
    expect(() => new PeerPool({ ...base, minPerPeer: 3, maxPerPeer: 2 })).toThrow(
      /minPerPeer \(3\) must not exceed options\.maxPerPeer \(2\)/,
    );
  });

  it('refuses a zero backoff, which would spin', () => {
    expect(() => new PeerPool({ ...base, createRetry: { baseDelayMs: 0 } })).toThrow(
      /createRetry\.baseDelayMs/,
    );
  });

  it('refuses a jitter other than full or none and a multiplier below 1', () => {
    expect(() => new PeerPool({ ...base, createRetry: { jitter: 'half' as never } })).toThrow(
      /createRetry\.jitter/,
    );
    expect(() => new PeerPool({ ...base, createRetry: { multiplier: 0.5 } })).toThrow(RangeError);
  });

  it('refuses a maxAttempts below 1 or not whole, and a retryOn that is not a function', () => {
    expect(() => new PeerPool({ ...base, createRetry: { maxAttempts: 0 } })).toThrow(
      /createRetry\.maxAttempts/,
    );
    expect(() => new PeerPool({ ...base, createRetry: { maxAttempts: 1.5 } })).toThrow(RangeError);
    expect(() => new PeerPool({ ...base, createRetry: { retryOn: true as never } })).toThrow(
      /createRetry\.retryOn/,
    );
  });

  it('accepts Infinity for maxAttempts', () => {
    expect(
      () => new PeerPool({ ...base, createRetry: { maxAttempts: Number.POSITIVE_INFINITY } }),
    ).not.toThrow();
  });

  it('refuses testWhileIdle without validate', () => {
    expect(() => new PeerPool({ ...base, testWhileIdle: true })).toThrow(/needs options\.validate/);
  });

  it('accepts Infinity for maxPeers and maxTotal', () => {
    expect(
      () => new PeerPool({ ...base, maxPeers: Number.POSITIVE_INFINITY, maxTotal: Infinity }),
    ).not.toThrow();
  });
});

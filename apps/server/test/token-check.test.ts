import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';

const compared: number[][] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const { checkToken } = await import('../src/transport/request-checks.js');
const request = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as unknown as IncomingMessage;
const token = 'a-token-of-32-characters-exactly';

describe('bearer token check', () => {
  it('compares in constant time whatever the length of the token sent', () => {
    compared.length = 0;
    for (const sent of ['x', `${token}-longer`, token.replace('a', 'b'), '']) {
      expect(checkToken(request(`Bearer ${sent}`), token)).toMatchObject({ status: 401 });
    }
    expect(checkToken(request(), token)).toMatchObject({ status: 401 });

    expect(compared).toHaveLength(5);
    expect(compared.every(([a, b]) => a === 32 && b === 32)).toBe(true);
  });

  it('accepts the right token, whatever the case of "Bearer"', () => {
    expect(checkToken(request(`Bearer ${token}`), token)).toBeUndefined();
    expect(checkToken(request(`bearer ${token}`), token)).toBeUndefined();
  });
});

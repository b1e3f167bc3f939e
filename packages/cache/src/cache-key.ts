import { createHash } from 'node:crypto';
import { UnserializableValueError } from './errors.js';

/**
 * A stable cache key from a name and JSON-like inputs: `name:` + the SHA-256 (base64url) of the
 * inputs' canonical JSON, in which object keys are sorted (their order does not matter) and
 * array order is kept (it does). Same inputs give the same key in every process and after
 * restarts; different inputs collide only if SHA-256 does.
 *
 * @example cacheKey('weather.get', { city: 'Oslo', units: 'metric' })
 */
export function cacheKey(name: string, inputs?: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError('cacheKey(name, inputs): name must be a non-empty string.');
  }
  const canonical = canonicalJson(inputs === undefined ? null : inputs, 'inputs', new Set());
  return `${name}:${createHash('sha256').update(canonical).digest('base64url')}`;
}

function canonicalJson(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new UnserializableValueError(path, `is ${value}`);
      return JSON.stringify(value);
    case 'function':
    case 'symbol':
    case 'bigint':
    case 'undefined':
      throw new UnserializableValueError(
        path,
        `is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`,
      );
  }
  if (value === null) return 'null';
  const object = value as { toJSON?: () => unknown };
  if (typeof object.toJSON === 'function') return canonicalJson(object.toJSON(), path, ancestors);
  if (ancestors.has(object)) throw new UnserializableValueError(path, 'is circular');
  ancestors.add(object);
  let out: string;
  if (Array.isArray(object)) {
    out = `[${object.map((item, i) => canonicalJson(item, `${path}[${i}]`, ancestors)).join(',')}]`;
  } else {
    const record = object as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      // JSON drops undefined properties; doing the same keeps `{a: 1}` and `{a: 1, b: undefined}` equal.
      if (record[key] === undefined) continue;
      parts.push(
        `${JSON.stringify(key)}:${canonicalJson(record[key], `${path}.${key}`, ancestors)}`,
      );
    }
    out = `{${parts.join(',')}}`;
  }
  ancestors.delete(object);
  return out;
}

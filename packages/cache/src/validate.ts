import { InvalidKeyError, InvalidTtlError, UnserializableValueError } from './errors.js';

export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidKeyError(key);
}

/**
 * Checks a TTL in milliseconds. Returns `undefined` when none was given, `0` for "never expires"
 * (0 or Infinity, the Keyv and lru-cache convention) and a whole number of ms otherwise.
 */
export function normalizeTtl(ttl: unknown, option = 'ttl'): number | undefined {
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || Number.isNaN(ttl) || ttl < 0)
    throw new InvalidTtlError(ttl, option);
  if (ttl === Number.POSITIVE_INFINITY) return 0;
  return Math.ceil(ttl);
}

/** Validates a non-negative integer option (sizes, counts, intervals). */
export function assertNonNegativeInteger(value: unknown, option: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${option} must be an integer >= 0, got ${String(value)}.`);
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Throws {@link UnserializableValueError} unless `value` survives a trip through any tier:
 * JSON-like data, Dates, Buffers and Uint8Arrays. Shared (non-circular) references are fine.
 */
export function assertSerializable(value: unknown): void {
  if (value === undefined) {
    throw new UnserializableValueError(
      'value',
      'is undefined (which reads back as a miss); use null',
    );
  }
  check(value, 'value', new Set());
}

function check(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new UnserializableValueError(path, `is ${value}`);
      return;
    case 'function':
      throw new UnserializableValueError(path, 'is a function');
    case 'symbol':
      throw new UnserializableValueError(path, 'is a symbol');
    case 'bigint':
      throw new UnserializableValueError(path, 'is a BigInt');
  }
  if (value === null || value instanceof Uint8Array || value instanceof Date) return;
  const object = value as object;
  if (ancestors.has(object)) throw new UnserializableValueError(path, 'is circular');
  ancestors.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) check(object[i], `${path}[${i}]`, ancestors);
  } else if (isPlainObject(object)) {
    for (const [key, child] of Object.entries(object)) check(child, `${path}.${key}`, ancestors);
  } else {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    throw new UnserializableValueError(path, `is a ${name} instance, not plain data`);
  }
  ancestors.delete(object);
}

/**
 * A cheap estimate of a value's footprint in bytes, the default size function of a
 * `maxSize`-bounded MemoryCache: exact for strings (UTF-16) and binary data, a JSON-length
 * estimate for everything else. Pass your own `sizeOf` when values are large and uniform.
 */
export function estimateBytes(value: unknown): number {
  if (typeof value === 'string') return 2 * value.length + 16;
  if (value instanceof Uint8Array) return value.byteLength + 16;
  if (value === null || typeof value !== 'object') return 16;
  try {
    return 2 * (JSON.stringify(value)?.length ?? 0) + 16;
  } catch {
    return 1024;
  }
}

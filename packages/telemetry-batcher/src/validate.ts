/** Throws a RangeError naming the option unless `value` is an integer >= `min`. */
export function assertInteger(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${option} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Throws a RangeError naming the option unless `value` is a number >= `min` (Infinity allowed). */
export function assertNumber(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new RangeError(`${option} must be a number >= ${min}, got ${String(value)}`);
  }
  return value;
}

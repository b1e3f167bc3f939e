/**
 * The longest delay a Node.js timer takes: beyond it (Infinity included) Node fires after 1 ms
 * instead, so a "very long" timeout would time out at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Throws a RangeError naming the option unless `value` is an integer from `min` to `max`. */
export function assertInteger(
  option: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${option} must be an integer >= ${min}${upTo(max)}, got ${String(value)}`,
    );
  }
  return value;
}

/** Throws a RangeError naming the option unless `value` is a number from `min` to `max`. */
export function assertNumber(option: string, value: unknown, min: number, max = Infinity): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new RangeError(`${option} must be a number >= ${min}${upTo(max)}, got ${String(value)}`);
  }
  return value;
}

/** A timer delay in ms: `min` to {@link MAX_TIMER_MS}, or `Infinity` when `infinite` allows it. */
export function assertDelayMs(
  option: string,
  value: unknown,
  min: number,
  infinite = false,
): number {
  if (infinite && value === Number.POSITIVE_INFINITY) return value;
  return assertNumber(option, value, min, MAX_TIMER_MS);
}

function upTo(max: number): string {
  if (max === MAX_TIMER_MS) return ` and <= ${MAX_TIMER_MS} (the longest Node.js timer)`;
  return max === Infinity || max === Number.MAX_SAFE_INTEGER ? '' : ` and <= ${max}`;
}

// Option checks shared by the breaker and retry: each throws an error that names the option.

export function checkInteger(name: string, value: number, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !(Number.isInteger(value) || value === Infinity)) {
    throw new TypeError(`${name} must be an integer, got ${String(value)}.`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}.`);
  }
  return value;
}

export function checkMs(name: string, value: number, allowZero: boolean): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number of milliseconds, got ${String(value)}.`);
  }
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(
      `${name} must be a finite number of milliseconds ${allowZero ? '>= 0' : '> 0'}, got ${value}.`,
    );
  }
  return value;
}

export function checkRate(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number in (0, 1], got ${String(value)}.`);
  }
  if (!(value > 0 && value <= 1)) {
    throw new RangeError(`${name} must be a rate in (0, 1] (0.5 means 50%), got ${value}.`);
  }
  return value;
}

export function checkFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${name} must be a function, got ${typeof value}.`);
  }
}

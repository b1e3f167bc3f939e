/** `${expression}`; the expression is trimmed. */
const PLACEHOLDER = /\$\{\s*([^}]*?)\s*\}/g;
const WHOLE = /^\$\{\s*([^}]*?)\s*\}$/;

/** One placeholder: as written (`${ steps.a.output }`) and its trimmed expression. */
export interface Placeholder {
  readonly written: string;
  readonly expression: string;
}

/** Every placeholder in the strings of a JSON-like value, in order. */
export function findPlaceholders(value: unknown): Placeholder[] {
  const found: Placeholder[] = [];
  walk(value, (text) => {
    if (!text.includes('${')) return;
    for (const match of text.matchAll(PLACEHOLDER)) {
      found.push({ written: match[0], expression: match[1]! });
    }
  });
  return found;
}

/**
 * Replaces placeholders in the strings of a JSON-like value. `lookup` returns the value for an
 * expression (the placeholder as written comes second), or `KEEP` to leave it as written. A string that is exactly one
 * placeholder becomes the value itself (a number stays a number); inside a longer string the
 * value is written as text (JSON for objects).
 */
export function substitute(
  value: unknown,
  lookup: (expression: string, written: string) => unknown,
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const whole = WHOLE.exec(value);
    if (whole) {
      const replaced = lookup(whole[1]!, value);
      return replaced === KEEP ? value : replaced;
    }
    return value.replace(PLACEHOLDER, (text, expression: string) => {
      const replaced = lookup(expression, text);
      if (replaced === KEEP) return text;
      return typeof replaced === 'string' ? replaced : (JSON.stringify(replaced) ?? 'undefined');
    });
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, lookup));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = substitute(value[key], lookup);
      // An own `__proto__` key stays a key (assigning it would set the prototype).
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[key] = item;
    }
    return out;
  }
  return value;
}

/** Whether `value` is a string made of exactly one placeholder. */
export function isPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && WHOLE.test(value);
}

/** Returned by a `substitute` lookup to leave a placeholder untouched. */
export const KEEP: unique symbol = Symbol('keep');

/** Where {@link readPath} stopped: `path[depth]` is missing from `parent`. */
export interface PathMiss {
  readonly found: false;
  /** Index of the first missing segment in the path. */
  readonly depth: number;
  /** The value that lacks it (what `path.slice(0, depth)` leads to). */
  readonly parent: unknown;
}

/**
 * Follows a dotted path (`items.0.name`) into a value. Returns a {@link PathMiss} at the first
 * missing segment, so an output that is legitimately `undefined` is told apart from a typo.
 */
export function readPath(
  value: unknown,
  path: readonly string[],
): { found: true; value: unknown } | PathMiss {
  let current = value;
  for (let depth = 0; depth < path.length; depth++) {
    const segment = path[depth]!;
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return { found: false, depth, parent: current };
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return { found: true, value: current };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function walk(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (isPlainObject(value)) for (const item of Object.values(value)) walk(item, visit);
}

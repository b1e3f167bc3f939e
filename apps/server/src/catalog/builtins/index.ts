import type { CategorySpec } from '../registry.js';
import { demoCategory } from './demo.js';
import { fsCategory } from './fs.js';
import { textCategory } from './text.js';
import { timeCategory } from './time.js';

/** The built-in categories by name, as `builtins` in the config names them. */
export type BuiltinName = 'text' | 'time' | 'fs' | 'demo';

/** The configured built-ins, in the config's order; `fs` is confined to `fsRoot`. */
export function builtinCategories(names: readonly BuiltinName[], fsRoot: string): CategorySpec[] {
  const make: Record<BuiltinName, () => CategorySpec> = {
    text: () => textCategory(),
    time: () => timeCategory(),
    fs: () => fsCategory(fsRoot),
    demo: () => demoCategory(),
  };
  return names.map((name) => make[name]());
}

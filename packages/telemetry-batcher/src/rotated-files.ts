import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `<path>.<n>`: the n-th most recent rotated file (1 is the newest). */
export function rotatedPath(path: string, n: number): string {
  return `${path}.${n}`;
}

/**
 * The active file and its rotated siblings that exist, oldest first, so reading them in order
 * yields spans in the order they were written.
 */
export async function listSpanFiles(path: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const base = basename(path);
  const rotated: number[] = [];
  let active = false;
  for (const name of names) {
    if (name === base) active = true;
    else if (name.startsWith(`${base}.`)) {
      const suffix = name.slice(base.length + 1);
      if (/^[1-9]\d*$/.test(suffix)) rotated.push(Number(suffix));
    }
  }
  rotated.sort((a, b) => b - a);
  const files = rotated.map((n) => join(dirname(path), rotatedPath(base, n)));
  if (active) files.push(join(dirname(path), base));
  return files;
}

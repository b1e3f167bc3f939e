import { open, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { PathOutsideRootError } from '../../errors.js';
import type { CategorySpec } from '../registry.js';
import { defineTool, resolveZodTool } from '../tool.js';

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves `path` under `root` and refuses anything that lands outside it — by `..`, by an
 * absolute path, or through a symbolic link (checked on the real path, not the spelled one).
 */
export async function confine(root: string, path: string): Promise<string> {
  const realRoot = await realpath(root);
  const spelled = resolve(realRoot, path);
  if (!inside(realRoot, spelled)) throw new PathOutsideRootError(path, root);
  let real: string;
  try {
    real = await realpath(spelled);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw Object.assign(new Error(`No such file or directory: "${path}" (under the fs root).`), {
        code: 'NOT_FOUND',
      });
    }
    throw error;
  }
  if (!inside(realRoot, real)) throw new PathOutsideRootError(path, root);
  return real;
}

export function fsTools(root: string) {
  const readOnly = { readOnlyHint: true } as const;
  return [
    defineTool({
      name: 'read_file',
      description: 'Read a text file under the fs root (UTF-8), up to maxBytes.',
      input: z.object({
        path: z.string().min(1),
        maxBytes: z.number().int().positive().max(10_000_000).default(100_000),
      }),
      hints: readOnly,
      run: async ({ path, maxBytes }) => {
        const file = await confine(root, path);
        const handle = await open(file, 'r');
        try {
          const size = (await handle.stat()).size;
          const buffer = Buffer.alloc(Math.min(size, maxBytes));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
          return {
            path,
            size,
            truncated: size > bytesRead,
            content: buffer.subarray(0, bytesRead).toString('utf8'),
          };
        } finally {
          await handle.close();
        }
      },
    }),
    defineTool({
      name: 'list_dir',
      description: 'List a directory under the fs root: names, kinds and sizes.',
      input: z.object({ path: z.string().default('.') }),
      hints: readOnly,
      run: async ({ path }) => {
        const dir = await confine(root, path);
        const entries = await readdir(dir, { withFileTypes: true });
        const items = await Promise.all(
          entries.map(async (entry) => {
            const kind = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
            const size = kind === 'file' ? (await stat(join(dir, entry.name))).size : 0;
            return { name: entry.name, kind, size };
          }),
        );
        items.sort((a, b) => a.name.localeCompare(b.name));
        return { path, entries: items };
      },
    }),
    defineTool({
      name: 'stat',
      description: 'Size, kind and modification time of a path under the fs root.',
      input: z.object({ path: z.string().min(1) }),
      hints: readOnly,
      run: async ({ path }) => {
        const info = await stat(await confine(root, path));
        return {
          path,
          kind: info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other',
          size: info.size,
          modified: info.mtime.toISOString(),
        };
      },
    }),
  ];
}

export function fsCategory(root: string): CategorySpec {
  return {
    name: 'fs',
    description: `Read-only file access confined to ${root}: read files, list directories, stat paths.`,
    load: () => ({ tools: fsTools(root).map((tool) => resolveZodTool('fs', tool)) }),
  };
}

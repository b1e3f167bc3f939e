import { open, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import {
  IsADirectoryError,
  NotADirectoryError,
  NotFoundError,
  PathOutsideRootError,
  ToolInputError,
} from '../../errors.js';
import type { CategorySpec } from '../registry.js';
import { defineTool, resolveZodTool } from '../tool.js';

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * A file system error caused by the path asked for, as a typed error that says what to do
 * instead; these are the caller's fault and leave the category's circuit alone. Anything else
 * (the disk failing, too many open files) is returned as it is, and counts.
 */
export function pathError(error: unknown, path: string): unknown {
  switch ((error as NodeJS.ErrnoException | null)?.code) {
    case 'ENOENT':
      return new NotFoundError(path);
    case 'EISDIR':
      return new IsADirectoryError(path);
    case 'ENOTDIR':
      return new NotADirectoryError(path);
    case 'EACCES':
    case 'EPERM':
      return new ToolInputError(
        `The server is not allowed to read "${path}" (permission denied).`,
        {
          code: 'PERMISSION_DENIED',
          cause: error,
        },
      );
    case 'ELOOP':
    case 'ENAMETOOLONG':
      return new ToolInputError(`Path "${path}" cannot be resolved: ${(error as Error).message}.`, {
        code: 'INVALID_PATH',
        cause: error,
      });
    default:
      return error;
  }
}

/** Runs a file system step on `path`, its path errors typed (see {@link pathError}). */
async function onPath<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw pathError(error, path);
  }
}

/**
 * Resolves `path` under `root` and refuses anything that lands outside it — by `..`, by an
 * absolute path, or through a symbolic link (checked on the real path, not the spelled one); the
 * error says which.
 */
export async function confine(root: string, path: string): Promise<string> {
  const realRoot = await realpath(root);
  const spelled = resolve(realRoot, path);
  // An absolute path is compared with the root as configured too (the root may itself be
  // reached through a link); its real path is checked below either way.
  if (!inside(realRoot, spelled) && !(isAbsolute(path) && inside(resolve(root), resolve(path)))) {
    throw new PathOutsideRootError(path, root, isAbsolute(path) ? 'absolute' : 'dot-dot');
  }
  const real = await onPath(path, () => realpath(spelled));
  if (!inside(realRoot, real)) throw new PathOutsideRootError(path, root, 'symlink');
  return real;
}

export function fsTools(root: string) {
  const readOnly = { readOnlyHint: true } as const;
  return [
    defineTool({
      name: 'read_file',
      description: 'Read a text file under the fs root (UTF-8), up to maxBytes.',
      input: z.strictObject({
        path: z.string().min(1),
        maxBytes: z.number().int().positive().max(10_000_000).default(100_000),
      }),
      hints: readOnly,
      run: async ({ path, maxBytes }) => {
        const file = await confine(root, path);
        const handle = await onPath(path, () => open(file, 'r'));
        try {
          const info = await handle.stat();
          // Opening a directory succeeds on Linux; only reading it fails, with a bare EISDIR.
          if (info.isDirectory()) throw new IsADirectoryError(path);
          const size = info.size;
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
      input: z.strictObject({ path: z.string().default('.') }),
      hints: readOnly,
      run: async ({ path }) => {
        const dir = await confine(root, path);
        const entries = await onPath(path, () => readdir(dir, { withFileTypes: true }));
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
      input: z.strictObject({ path: z.string().min(1) }),
      hints: readOnly,
      run: async ({ path }) => {
        const real = await confine(root, path);
        const info = await onPath(path, () => stat(real));
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

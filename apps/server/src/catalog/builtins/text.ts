import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolInputError } from '../../errors.js';
import type { CategorySpec } from '../registry.js';
import { defineTool, resolveZodTool } from '../tool.js';

const pure = { readOnlyHint: true, idempotentHint: true } as const;

/** Reads `a.b[0].c` (or `$.a.b[0]`) out of a JSON value; undefined when a step is missing. */
export function queryJson(value: unknown, path: string): unknown {
  const steps = path
    .replace(/^\$\.?/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((step) => step !== undefined && step !== '');
  let current: unknown = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

export const textTools = [
  defineTool({
    name: 'hash',
    description: 'Hash a UTF-8 string with sha256, sha1, sha512 or md5; returns hex.',
    input: z.strictObject({
      text: z.string(),
      algorithm: z.enum(['sha256', 'sha1', 'sha512', 'md5']).default('sha256'),
    }),
    hints: pure,
    run: ({ text, algorithm }) => ({
      algorithm,
      hex: createHash(algorithm).update(text, 'utf8').digest('hex'),
    }),
  }),
  defineTool({
    name: 'base64',
    description: 'Encode a UTF-8 string to base64, or decode base64 back to UTF-8.',
    input: z.strictObject({
      text: z.string(),
      mode: z.enum(['encode', 'decode']).default('encode'),
    }),
    hints: pure,
    run: ({ text, mode }) => ({
      result:
        mode === 'encode'
          ? Buffer.from(text, 'utf8').toString('base64')
          : Buffer.from(text, 'base64').toString('utf8'),
    }),
  }),
  defineTool({
    name: 'json_query',
    description: 'Parse a JSON document and read the value at a path like "items[0].name".',
    input: z.strictObject({ json: z.string(), path: z.string() }),
    hints: pure,
    run: ({ json, path }) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch (error) {
        throw new ToolInputError(
          `"json" is not valid JSON: ${(error as Error).message}. Pass the document as a JSON string.`,
          { code: 'INVALID_JSON', cause: error },
        );
      }
      const value = queryJson(parsed, path);
      return { found: value !== undefined, value: value ?? null };
    },
  }),
  defineTool({
    name: 'regex_match',
    description: 'Find every match of a regular expression in a text, with capture groups.',
    input: z.strictObject({
      text: z.string(),
      pattern: z.string().max(1000),
      flags: z
        .string()
        .regex(/^[imsu]*$/, 'flags may only contain i, m, s, u')
        .default(''),
      maxMatches: z.number().int().positive().max(10_000).default(100),
    }),
    hints: pure,
    run: ({ text, pattern, flags, maxMatches }) => {
      let regex: RegExp;
      try {
        regex = new RegExp(pattern, `${flags}g`);
      } catch (error) {
        throw new ToolInputError(
          `"pattern" is not a valid regular expression: ${(error as Error).message}.`,
          { code: 'INVALID_PATTERN', cause: error },
        );
      }
      const matches: { match: string; index: number; groups: (string | null)[] }[] = [];
      for (const found of text.matchAll(regex)) {
        matches.push({
          match: found[0],
          index: found.index ?? 0,
          groups: found.slice(1).map((group) => group ?? null),
        });
        if (matches.length >= maxMatches) break;
      }
      return { count: matches.length, matches };
    },
  }),
];

export function textCategory(): CategorySpec {
  return {
    name: 'text',
    description: 'Text utilities: hashes, base64, JSON path queries, regular expression matching.',
    load: () => ({ tools: textTools.map((tool) => resolveZodTool('text', tool)) }),
  };
}

import { z } from 'zod';
import { ToolInputError } from '../../errors.js';
import type { CategorySpec } from '../registry.js';
import { defineTool, resolveZodTool } from '../tool.js';

function zoned(epochMs: number, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone,
      dateStyle: 'short',
      timeStyle: 'long',
      hourCycle: 'h23',
    }).format(epochMs);
  } catch {
    throw new ToolInputError(
      `Unknown time zone "${timeZone}". Use an IANA name like "Europe/Paris" or "UTC".`,
      { code: 'UNKNOWN_TIME_ZONE' },
    );
  }
}

function parseDate(value: string | number, field: string): number {
  const epochMs = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(epochMs)) {
    throw new ToolInputError(`"${field}" is not a date: use ISO 8601 or epoch milliseconds.`, {
      code: 'INVALID_DATE',
    });
  }
  return epochMs;
}

const dateInput = z.union([z.string(), z.number()]);

/** `now` reads the clock it is given, so tests can pin it. */
export function timeTools(now: () => number = Date.now) {
  return [
    defineTool({
      name: 'now',
      description: 'The current time as ISO 8601, epoch milliseconds and in a given time zone.',
      input: z.strictObject({ timeZone: z.string().default('UTC') }),
      hints: { readOnlyHint: true },
      run: ({ timeZone }) => {
        const epochMs = now();
        return {
          iso: new Date(epochMs).toISOString(),
          epochMs,
          local: zoned(epochMs, timeZone),
          timeZone,
        };
      },
    }),
    defineTool({
      name: 'convert',
      description: 'Show a date (ISO 8601 or epoch ms) in another time zone.',
      input: z.strictObject({ date: dateInput, timeZone: z.string() }),
      hints: { readOnlyHint: true, idempotentHint: true },
      run: ({ date, timeZone }) => {
        const epochMs = parseDate(date, 'date');
        return {
          iso: new Date(epochMs).toISOString(),
          epochMs,
          local: zoned(epochMs, timeZone),
          timeZone,
        };
      },
    }),
    defineTool({
      name: 'diff',
      description: 'The duration between two dates, in milliseconds, seconds, hours and days.',
      input: z.strictObject({ from: dateInput, to: dateInput }),
      hints: { readOnlyHint: true, idempotentHint: true },
      run: ({ from, to }) => {
        const ms = parseDate(to, 'to') - parseDate(from, 'from');
        return { ms, seconds: ms / 1000, hours: ms / 3_600_000, days: ms / 86_400_000 };
      },
    }),
  ];
}

export function timeCategory(now?: () => number): CategorySpec {
  return {
    name: 'time',
    description: 'Clock and calendar: current time, time zone conversion, durations between dates.',
    load: () => ({ tools: timeTools(now).map((tool) => resolveZodTool('time', tool)) }),
  };
}

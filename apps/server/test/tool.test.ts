import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, resolveZodTool, type ToolDefinition } from '../src/catalog/tool.js';
import { isCallerFault, ToolInputError } from '../src/errors.js';

const signal = new AbortController().signal;

/** A tool whose run throws `error`, declared with `callerFault` as given. */
function throwing(error: unknown, callerFault?: ToolDefinition['callerFault']) {
  return resolveZodTool(
    'weather',
    defineTool({
      name: 'forecast',
      description: 'Forecast',
      input: z.object({}),
      ...(callerFault === undefined ? {} : { callerFault }),
      run: () => {
        throw error;
      },
    }),
  );
}

async function rejection(tool: ReturnType<typeof throwing>): Promise<unknown> {
  return tool.run({}, { signal }).then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

const unknownCity = () => Object.assign(new Error('Unknown city "Atlantis".'), { code: 'NO_CITY' });

describe('a tool declaring which errors are the caller’s fault', () => {
  it('marks an error whose code it lists, keeping the code, the message and the cause', async () => {
    const original = unknownCity();

    const error = await rejection(throwing(original, ['NO_CITY']));

    expect(isCallerFault(error)).toBe(true);
    expect(error).toMatchObject({ code: 'NO_CITY', message: 'Unknown city "Atlantis".' });
    expect((error as Error).cause).toBe(original);
  });

  it('marks an error its predicate accepts, and an error without a code as INVALID_INPUT', async () => {
    const notFound = Object.assign(new Error('HTTP 404'), { status: 404 });

    const error = await rejection(
      throwing(notFound, (caught) => (caught as { status?: number }).status === 404),
    );

    expect(isCallerFault(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: 'HTTP 404' });
  });

  it('leaves other errors as they are: they count against the breaker', async () => {
    const outage = Object.assign(new Error('service down'), { code: 'DOWN' });

    const error = await rejection(throwing(outage, ['NO_CITY']));

    expect(error).toBe(outage);
    expect(isCallerFault(error)).toBe(false);
  });

  it('lets an error say for itself that it is transient (callerFault: false)', async () => {
    const transient = Object.assign(unknownCity(), { callerFault: false });

    const error = await rejection(throwing(transient, () => true));

    expect(error).toBe(transient);
    expect(isCallerFault(error)).toBe(false);
  });

  it('keeps a ToolInputError thrown by the tool without any declaration', async () => {
    const thrown = new ToolInputError('Use a city name in English.', { code: 'NO_CITY' });

    const error = await rejection(throwing(thrown));

    expect(error).toBe(thrown);
    expect(isCallerFault(error)).toBe(true);
  });

  it('keeps the original error when the predicate itself throws', async () => {
    const original = unknownCity();

    const error = await rejection(
      throwing(original, () => {
        throw new Error('bug in the predicate');
      }),
    );

    expect(error).toBe(original);
  });

  it('refuses a callerFault that is neither a list nor a function', () => {
    expect(() => throwing(new Error('x'), 'NO_CITY' as unknown as string[])).toThrow(
      /"callerFault" that is neither a list of error codes nor a function/,
    );
  });
});

describe('tool validation messages', () => {
  it('names a misspelled key even when the schema drops unknown keys', () => {
    const tool = resolveZodTool(
      'weather',
      defineTool({
        name: 'forecast',
        description: 'Forecast',
        input: z.object({ city: z.string(), days: z.number().default(1) }),
        run: () => ({}),
      }),
    );

    expect(tool.validate({ citty: 'Oslo' })).toEqual({
      ok: false,
      message:
        'unknown parameter "citty" (did you mean "city"? the tool takes "city", "days"); city: missing (expected string)',
    });
    // A loose schema still accepts extra keys when the call is otherwise valid.
    expect(tool.validate({ city: 'Oslo', extra: true })).toEqual({
      ok: true,
      value: { city: 'Oslo', days: 1 },
    });
  });

  it('names every unknown key of a strict schema, without guessing among several', () => {
    const tool = resolveZodTool(
      'weather',
      defineTool({
        name: 'forecast',
        description: 'Forecast',
        input: z.strictObject({ city: z.string() }),
        run: () => ({}),
      }),
    );

    expect(tool.validate({ city: 'Oslo', a: 1, b: 2 })).toEqual({
      ok: false,
      message: 'unknown parameters "a", "b" (the tool takes "city")',
    });
  });

  it("says a required field of any type is missing, without zod's internal type name", () => {
    const tool = resolveZodTool(
      'demo',
      defineTool({
        name: 'echo',
        description: 'Echo',
        input: z.strictObject({ value: z.unknown() }),
        run: () => ({}),
      }),
    );

    expect(tool.validate({})).toEqual({ ok: false, message: 'value: missing' });
  });

  it('keeps the field and message of other problems', () => {
    const tool = resolveZodTool(
      'weather',
      defineTool({
        name: 'forecast',
        description: 'Forecast',
        input: z.strictObject({ city: z.string(), days: z.number().int().max(7) }),
        run: () => ({}),
      }),
    );

    const outcome = tool.validate({ city: 'Oslo', days: 30 });

    expect(outcome).toEqual({ ok: false, message: expect.stringMatching(/^days: Too big/) });
  });
});

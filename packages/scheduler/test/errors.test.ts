import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  DeadlineExceededError,
  DuplicateTaskIdError,
  InheritanceCycleError,
  isSchedulerError,
  Scheduler,
  SchedulerClosedError,
  SchedulerError,
  type SchedulerErrorCode,
  TaskNotFoundError,
  TaskTimeoutError,
} from '../src/index.js';
import { flush } from './helpers.js';

const errors = [
  [DeadlineExceededError, new DeadlineExceededError('a', 100, 150)],
  [TaskTimeoutError, new TaskTimeoutError('a', 50)],
  [TaskNotFoundError, new TaskNotFoundError('a')],
  [DuplicateTaskIdError, new DuplicateTaskIdError('a')],
  [InheritanceCycleError, new InheritanceCycleError(['a', 'b', 'a'])],
  [SchedulerClosedError, new SchedulerClosedError()],
] as const;

describe('error classes', () => {
  it.each(errors)('%o extends SchedulerError with its static code', (ErrorClass, error) => {
    expect(error).toBeInstanceOf(SchedulerError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(ErrorClass.code);
    expect(error.code).toMatch(/^ERR_SCHEDULER_/);
    expect(error.name).toBe(ErrorClass.name);
  });

  it('use the ERR_SCHEDULER_ codes', () => {
    expect(errors.map(([ErrorClass]) => ErrorClass.code)).toEqual([
      'ERR_SCHEDULER_DEADLINE_EXCEEDED',
      'ERR_SCHEDULER_TASK_TIMEOUT',
      'ERR_SCHEDULER_TASK_NOT_FOUND',
      'ERR_SCHEDULER_DUPLICATE_TASK_ID',
      'ERR_SCHEDULER_INHERITANCE_CYCLE',
      'ERR_SCHEDULER_CLOSED',
    ]);
  });

  it('type each code as a literal a caller can narrow on', () => {
    expectTypeOf(TaskTimeoutError.code).toEqualTypeOf<'ERR_SCHEDULER_TASK_TIMEOUT'>();
    expectTypeOf(new TaskTimeoutError('a', 1).code).toEqualTypeOf<'ERR_SCHEDULER_TASK_TIMEOUT'>();
    expectTypeOf<SchedulerError['code']>().toEqualTypeOf<SchedulerErrorCode>();
  });
});

describe('isSchedulerError', () => {
  it('recognises every scheduler error, and one with a given code', () => {
    for (const [, error] of errors) expect(isSchedulerError(error)).toBe(true);
    expect(isSchedulerError(new TaskTimeoutError('a', 1), 'ERR_SCHEDULER_TASK_TIMEOUT')).toBe(true);
    expect(isSchedulerError(new TaskTimeoutError('a', 1), 'ERR_SCHEDULER_CLOSED')).toBe(false);
  });

  it('recognises an error from another copy of the package by its code', () => {
    const fromAnotherCopy = Object.assign(new Error('timed out'), {
      code: 'ERR_SCHEDULER_TASK_TIMEOUT',
    });

    expect(fromAnotherCopy).not.toBeInstanceOf(SchedulerError);
    expect(isSchedulerError(fromAnotherCopy, 'ERR_SCHEDULER_TASK_TIMEOUT')).toBe(true);
  });

  it('rejects other errors and values', () => {
    expect(isSchedulerError(Object.assign(new Error('x'), { code: 'ERR_BREAKER_OPEN' }))).toBe(
      false,
    );
    expect(isSchedulerError(new Error('x'))).toBe(false);
    expect(isSchedulerError(new DOMException('x', 'AbortError'))).toBe(false);
    expect(isSchedulerError('ERR_SCHEDULER_CLOSED')).toBe(false);
    expect(isSchedulerError(null)).toBe(false);
    expect(isSchedulerError(undefined)).toBe(false);
  });

  it('narrows the type', () => {
    const error: unknown = new SchedulerClosedError();
    if (isSchedulerError(error)) expectTypeOf(error.code).toEqualTypeOf<SchedulerErrorCode>();
  });
});

describe('cancellation', () => {
  it('rejects a cancelled task with the platform AbortError, not a SchedulerError', async () => {
    const scheduler = new Scheduler({ autoStart: false });
    const controller = new AbortController();
    const waiting = scheduler.add(async () => 1, { signal: controller.signal });
    const outcome = waiting.catch((error: unknown) => error);

    controller.abort();
    await flush();

    const error = await outcome;
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(isSchedulerError(error)).toBe(false);
  });
});

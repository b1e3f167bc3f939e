import { describe, expect, it } from 'vitest';
import {
  DeadlineExceededError,
  Scheduler,
  type SchedulerOptions,
  TaskTimeoutError,
} from '../src/index.js';

describe('Scheduler options', () => {
  it.each<[string, SchedulerOptions, ErrorConstructor, RegExp]>([
    ['an unknown policy', { policy: 'lifo' as 'fifo' }, TypeError, /policy/],
    ['a zero concurrency', { concurrency: 0 }, RangeError, /concurrency/],
    ['a fractional concurrency', { concurrency: 1.5 }, RangeError, /concurrency/],
    ['a NaN aging rate', { aging: { priorityPerSecond: Number.NaN } }, RangeError, /aging/],
    ['a negative aging rate', { aging: { priorityPerSecond: -1 } }, RangeError, /aging/],
    ['aging under fifo', { policy: 'fifo', aging: { priorityPerSecond: 1 } }, TypeError, /aging/],
    [
      'aging under deadline',
      { policy: 'deadline', aging: { priorityPerSecond: 1 } },
      TypeError,
      /aging/,
    ],
    ['an unknown onDeadlineMiss', { onDeadlineMiss: 'skip' as 'run' }, TypeError, /onDeadlineMiss/],
    ['a non-boolean autoStart', { autoStart: 1 as unknown as boolean }, TypeError, /autoStart/],
    ['a clock without timers', { clock: { now: () => 0 } as never }, TypeError, /clock/],
  ])('rejects %s', (_what, options, errorClass, message) => {
    expect(() => new Scheduler(options)).toThrow(errorClass);
    expect(() => new Scheduler(options)).toThrow(message);
  });

  it('rejects null options with a TypeError that names them', () => {
    expect(() => new Scheduler(null as never)).toThrow(/Scheduler options must be an object/);
  });

  it('accepts an infinite concurrency', () => {
    expect(new Scheduler({ concurrency: Infinity }).concurrency).toBe(Infinity);
  });
});

describe('add() options', () => {
  const scheduler = new Scheduler({ autoStart: false });
  const task = async () => 1;

  it.each<[string, Record<string, unknown>, ErrorConstructor, RegExp]>([
    ['a NaN priority', { priority: Number.NaN }, RangeError, /priority/],
    ['an infinite priority', { priority: Infinity }, RangeError, /priority/],
    [
      'a string priority',
      { priority: '1' },
      RangeError,
      /priority must be a finite number, got "1"/,
    ],
    ['an infinite deadline', { deadline: Infinity }, RangeError, /deadline/],
    ['a Date as deadline', { deadline: new Date() }, RangeError, /deadline/],
    ['a zero timeout', { timeout: 0 }, RangeError, /timeout/],
    ['an empty id', { id: '' }, TypeError, /id/],
    ['a signal that is not an AbortSignal', { signal: {} }, TypeError, /signal/],
  ])('rejects %s', (_what, options, errorClass, message) => {
    expect(() => scheduler.add(task, options)).toThrow(errorClass);
    expect(() => scheduler.add(task, options)).toThrow(message);
    expect(scheduler.size).toBe(0);
  });

  it('rejects null options with a TypeError that names them', () => {
    expect(() => scheduler.add(task, null as never)).toThrow(/add\(\) options must be an object/);
  });

  it('rejects a task that is not a function', () => {
    expect(() => scheduler.add('nope' as never)).toThrow(TypeError);
  });
});

describe('error messages', () => {
  it('name a task without an id as "A task", not by an empty id', () => {
    expect(new DeadlineExceededError('', 100, 150).message).toMatch(/^A task did not start/);
    expect(new TaskTimeoutError('', 50).message).toMatch(/^A task timed out after 50 ms/);
    expect(new TaskTimeoutError('fetch', 50).message).toMatch(/^Task "fetch" timed out/);
  });
});

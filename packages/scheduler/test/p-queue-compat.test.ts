import PQueue9, { type QueueAddOptions } from 'p-queue';
import PQueue10 from 'p-queue-10';
import { describe, expect, it } from 'vitest';
import {
  createQueueClass,
  DeadlineHeapQueue,
  FifoQueue,
  PriorityDeadlineHeapQueue,
  PriorityHeapQueue,
  type SchedulingQueue,
} from '../src/index.js';

interface AnyPQueue {
  add(fn: () => Promise<unknown>, options?: Record<string, unknown>): Promise<unknown>;
  setPriority(id: string, priority: number): void;
  sizeBy(options: { priority: number }): number;
  start(): unknown;
  onIdle(): Promise<void>;
  readonly size: number;
}

type QueueClass = new () => SchedulingQueue;
type Make = (queueClass: QueueClass) => AnyPQueue;

const versions: [string, Make][] = [
  [
    'p-queue 9',
    (queueClass) =>
      new PQueue9({ concurrency: 1, autoStart: false, queueClass }) as unknown as AnyPQueue,
  ],
  [
    'p-queue 10',
    (queueClass) =>
      new PQueue10({ concurrency: 1, autoStart: false, queueClass }) as unknown as AnyPQueue,
  ],
];

const tasks = [
  { id: 'a', priority: 0, deadline: 400 },
  { id: 'b', priority: 2, deadline: 300 },
  { id: 'c', priority: 2, deadline: 100 },
  { id: 'd', priority: 1 },
];

const expectedOrder: [string, QueueClass, string[]][] = [
  ['FifoQueue', FifoQueue, ['a', 'b', 'c', 'd']],
  ['PriorityHeapQueue', PriorityHeapQueue, ['b', 'c', 'd', 'a']],
  ['DeadlineHeapQueue', DeadlineHeapQueue, ['c', 'b', 'a', 'd']],
  ['PriorityDeadlineHeapQueue', PriorityDeadlineHeapQueue, ['c', 'b', 'd', 'a']],
];

describe.each(versions)('as queueClass of %s', (_version, make) => {
  it.each(expectedOrder)(
    '%s runs tasks in its policy order',
    async (_name, queueClass, expected) => {
      const queue = make(queueClass);
      const started: string[] = [];
      for (const task of tasks) {
        void queue.add(async () => started.push(task.id), task);
      }

      queue.start();
      await queue.onIdle();

      expect(started).toEqual(expected);
    },
  );

  it('removes a waiting task whose signal aborts, through remove(id)', async () => {
    const queue = make(PriorityHeapQueue);
    const controller = new AbortController();
    const started: string[] = [];
    const kept = queue.add(async () => started.push('kept'), { id: 'kept' });
    const aborted = queue.add(async () => started.push('aborted'), {
      id: 'aborted',
      priority: 5,
      signal: controller.signal,
    });

    controller.abort();
    const outcome = await aborted.then(
      () => 'resolved',
      (error: Error) => error.name,
    );
    expect(queue.size).toBe(1);
    queue.start();
    await kept;

    expect(outcome).toBe('AbortError');
    expect(started).toEqual(['kept']);
  });

  it('reorders through setPriority and counts through sizeBy', async () => {
    const queue = make(PriorityHeapQueue);
    const started: string[] = [];
    for (const id of ['x', 'y', 'z']) void queue.add(async () => started.push(id), { id });

    queue.setPriority('z', 3);
    expect(queue.sizeBy({ priority: 0 })).toBe(2);
    queue.start();
    await queue.onIdle();

    expect(started).toEqual(['z', 'x', 'y']);
  });

  it('works with an aging queue class from createQueueClass', async () => {
    const queue = make(createQueueClass({ policy: 'priority', agingPriorityPerSecond: 1 }));
    const started: string[] = [];
    void queue.add(async () => started.push('low'), { id: 'low', priority: 0 });
    void queue.add(async () => started.push('high'), { id: 'high', priority: 1 });

    queue.start();
    await queue.onIdle();

    expect(started).toEqual(['high', 'low']);
  });
});

describe('typed use with p-queue 9', () => {
  it('takes a deadline through the add options once the option type names it', async () => {
    const queue = new PQueue9<DeadlineHeapQueue, QueueAddOptions & { deadline?: number }>({
      concurrency: 1,
      autoStart: false,
      queueClass: DeadlineHeapQueue,
    });
    const started: string[] = [];
    void queue.add(async () => started.push('later'), { deadline: 200 });
    void queue.add(async () => started.push('sooner'), { deadline: 100 });

    queue.start();
    await queue.onIdle();

    expect(started).toEqual(['sooner', 'later']);
  });
});

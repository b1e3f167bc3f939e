import { FifoQueue, PriorityHeapQueue, Scheduler } from '@x/scheduler';
import PQueue, { PriorityQueue } from 'p-queue';
import { defineSuite } from '../types.js';

const OURS = '@x/scheduler';
const OUR_QUEUE = 'p-queue + PriorityHeapQueue';
const ANCHOR = 'p-queue';

const task = async (): Promise<number> => 1;

/** Random priorities, the same sequence for every contender of a round. */
function randomPriorities(count: number): Int32Array {
  const priorities = new Int32Array(count);
  for (let i = 0; i < count; i++) priorities[i] = Math.floor(Math.random() * 1_000);
  return priorities;
}

interface Runner {
  add(fn: () => Promise<number>, options: { priority: number }): Promise<unknown>;
  onIdle(): Promise<void>;
}

/** Adds every task at once (so they queue), then waits for all; returns tasks per second. */
async function drain(runner: Runner, priorities: Int32Array): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < priorities.length; i++) {
    void runner.add(task, { priority: priorities[i]! });
  }
  await runner.onIdle();
  return (priorities.length / (performance.now() - start)) * 1_000;
}

/** Runs each contender once, in an order that rotates from call to call. */
async function interleaved(
  contenders: Record<string, () => Promise<number> | number>,
  round: number,
): Promise<Record<string, number>> {
  const names = Object.keys(contenders);
  const figures: Record<string, number> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length]!;
    figures[name] = await contenders[name]!();
  }
  return figures;
}

/**
 * ns per task to enqueue `priorities` into a fresh queue and dequeue them all, repeated until at
 * least `MIN_TASKS_PER_MEASURE` tasks went through, after one unmeasured pass to warm the JIT:
 * a single pass of 1,000 tasks lasts microseconds, too short to time on a shared machine.
 */
const MIN_TASKS_PER_MEASURE = 200_000;

interface BareQueue {
  enqueue(run: () => Promise<unknown>, o: { priority: number; id: string }): void;
  dequeue(): unknown;
}

function queueCost(createQueue: () => BareQueue, priorities: Int32Array, ids: string[]): number {
  const pass = () => {
    const queue = createQueue();
    for (let i = 0; i < priorities.length; i++) {
      queue.enqueue(task, { priority: priorities[i]!, id: ids[i]! });
    }
    while (queue.dequeue() !== undefined);
  };
  pass();
  const passes = Math.max(1, Math.ceil(MIN_TASKS_PER_MEASURE / priorities.length));
  const start = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) pass();
  return Number(process.hrtime.bigint() - start) / (passes * priorities.length);
}

export default defineSuite({
  package: 'scheduler',
  description:
    'Priority and FIFO scheduling on p-queue: our Scheduler and our heap queue class inside ' +
    "p-queue, against p-queue's own sorted-array queue, on the same tasks in the same process.",
  workloads: ({ quick }) => {
    const priorityTasks = quick ? 2_000 : 100_000;
    const fifoBatch = quick ? 200 : 10_000;
    const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
    // p-queue's insert is O(n): a million random inserts would take many minutes.
    const anchorMaxSize = 100_000;
    let round = 0;
    return [
      {
        kind: 'metric',
        name: `${priorityTasks.toLocaleString('en')} tasks, random priorities, concurrency 10`,
        ours: OURS,
        unit: 'tasks/s',
        better: 'higher',
        goal: "at least 6x p-queue's throughput",
        measure: () => {
          const priorities = randomPriorities(priorityTasks);
          return interleaved(
            {
              [OURS]: () =>
                drain(new Scheduler({ policy: 'priority', concurrency: 10 }), priorities),
              [OUR_QUEUE]: () =>
                drain(new PQueue({ concurrency: 10, queueClass: PriorityHeapQueue }), priorities),
              [ANCHOR]: () => drain(new PQueue({ concurrency: 10 }), priorities),
            },
            round++,
          );
        },
      },
      {
        name: `plain FIFO, ${fifoBatch.toLocaleString('en')} queued tasks per run, concurrency 10`,
        ours: OURS,
        goal: 'within 10% of p-queue',
        contenders: [
          {
            name: OURS,
            opsPerRun: fifoBatch,
            run: async () => {
              const scheduler = new Scheduler({ policy: 'fifo', concurrency: 10 });
              for (let i = 0; i < fifoBatch; i++) void scheduler.add(task);
              await scheduler.onIdle();
            },
          },
          {
            name: 'p-queue + FifoQueue',
            opsPerRun: fifoBatch,
            run: async () => {
              const queue = new PQueue({ concurrency: 10, queueClass: FifoQueue });
              for (let i = 0; i < fifoBatch; i++) void queue.add(task);
              await queue.onIdle();
            },
          },
          {
            name: ANCHOR,
            opsPerRun: fifoBatch,
            run: async () => {
              const queue = new PQueue({ concurrency: 10 });
              for (let i = 0; i < fifoBatch; i++) void queue.add(task);
              await queue.onIdle();
            },
          },
        ],
      },
      ...sizes.map((size) => ({
        kind: 'metric' as const,
        name: `queue class alone: enqueue + dequeue ${size.toLocaleString('en')} random priorities`,
        ours: 'PriorityHeapQueue',
        unit: 'ns/task',
        better: 'lower' as const,
        goal: 'O(log n) growth',
        measure: () => {
          const priorities = randomPriorities(size);
          const ids = Array.from({ length: size }, (_, i) => String(i));
          const contenders: Record<string, () => number> = {
            PriorityHeapQueue: () => queueCost(() => new PriorityHeapQueue(), priorities, ids),
          };
          if (size <= anchorMaxSize) {
            contenders['p-queue PriorityQueue'] = () =>
              queueCost(() => new PriorityQueue(), priorities, ids);
          }
          return interleaved(contenders, round++);
        },
      })),
    ];
  },
});

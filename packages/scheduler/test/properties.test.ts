import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeadlineHeapQueue,
  FifoQueue,
  type Policy,
  PriorityDeadlineHeapQueue,
  PriorityHeapQueue,
  type QueueEntry,
  type RunFunction,
  Scheduler,
  type SchedulingQueue,
} from '../src/index.js';
import { ManualClock } from './helpers.js';

interface Spec {
  priority: number;
  deadline: number | undefined;
}

const specArb = fc.record({
  priority: fc.integer({ min: -3, max: 3 }),
  deadline: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
});

/** The reference order: a stable sort by the policy's key (stable sort = FIFO ties). */
function expectedOrder(policy: Policy, specs: Spec[]): number[] {
  const deadlineOf = (s: Spec) => s.deadline ?? Number.POSITIVE_INFINITY;
  const key: Record<Policy, (a: Spec, b: Spec) => number> = {
    fifo: () => 0,
    priority: (a, b) => b.priority - a.priority,
    deadline: (a, b) =>
      deadlineOf(a) < deadlineOf(b) ? -1 : deadlineOf(a) > deadlineOf(b) ? 1 : 0,
    'priority-deadline': (a, b) => b.priority - a.priority || key.deadline(a, b),
  };
  return specs.map((_, index) => index).sort((a, b) => key[policy](specs[a]!, specs[b]!) || a - b);
}

const policies: Policy[] = ['fifo', 'priority', 'deadline', 'priority-deadline'];

describe('scheduling properties', () => {
  it.each(policies)(
    '%s: starts follow the policy, ties are FIFO, each task runs exactly once',
    async (policy) => {
      await fc.assert(
        fc.asyncProperty(fc.array(specArb, { maxLength: 60 }), async (specs) => {
          const scheduler = new Scheduler({ policy, clock: new ManualClock(0), autoStart: false });
          const started: number[] = [];
          const results = specs.map((spec, index) =>
            scheduler.add(async () => {
              started.push(index);
              return index;
            }, spec),
          );

          scheduler.start();

          expect(await Promise.all(results)).toEqual(specs.map((_, index) => index));
          expect(started).toEqual(expectedOrder(policy, specs));
        }),
        { numRuns: 60 },
      );
    },
  );

  it('never loses or repeats a task at any concurrency, and cancelled tasks never run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ spec: specArb, cancel: fc.boolean() }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(...policies),
        async (tasks, concurrency, policy) => {
          const scheduler = new Scheduler({ policy, concurrency, clock: new ManualClock(0) });
          scheduler.pause();
          const runs = new Map<number, number>();
          const outcomes = tasks.map(({ spec, cancel }, index) => {
            const controller = new AbortController();
            const promise = scheduler.add(
              async () => {
                runs.set(index, (runs.get(index) ?? 0) + 1);
              },
              { ...spec, signal: controller.signal },
            );
            if (cancel) controller.abort();
            return promise.then(
              () => 'ran',
              (error: Error) => error.name,
            );
          });

          scheduler.start();
          const settled = await Promise.all(outcomes);

          tasks.forEach(({ cancel }, index) => {
            expect(settled[index]).toBe(cancel ? 'AbortError' : 'ran');
            expect(runs.get(index)).toBe(cancel ? undefined : 1);
          });
          expect(scheduler.stats()).toMatchObject({
            queued: 0,
            running: 0,
            cancelled: tasks.filter((t) => t.cancel).length,
            completed: tasks.filter((t) => !t.cancel).length,
          });
        },
      ),
      { numRuns: 80 },
    );
  });
});

type Op =
  | { kind: 'enqueue'; priority: number; deadline: number | undefined }
  | { kind: 'dequeue' }
  | { kind: 'remove'; pick: number }
  | { kind: 'setPriority'; pick: number; priority: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: specArb.map((s) => ({ kind: 'enqueue' as const, ...s })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'dequeue' as const }) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'remove' as const, pick })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(), fc.integer({ min: -3, max: 3 }))
      .map(([pick, priority]) => ({ kind: 'setPriority' as const, pick, priority })),
  },
);

const queueClasses: [Policy, new () => SchedulingQueue][] = [
  ['fifo', FifoQueue],
  ['priority', PriorityHeapQueue],
  ['deadline', DeadlineHeapQueue],
  ['priority-deadline', PriorityDeadlineHeapQueue],
];

describe('queue classes against a sorted-array model', () => {
  it.each(queueClasses)(
    '%s: any mix of enqueue, dequeue, remove and setPriority',
    (policy, Queue) => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
          const queue = new Queue();
          // The model keeps each waiting task's spec; the order is recomputed by a stable sort.
          let model: { id: string; seq: number; spec: Spec }[] = [];
          let next = 0;
          const modelHead = () => {
            const specs = model.map((m) => m.spec);
            const index = expectedOrder(policy, specs)[0];
            return index === undefined ? undefined : model[index];
          };
          for (const op of ops) {
            if (op.kind === 'enqueue') {
              const id = `t${next++}`;
              const run: RunFunction = async () => id;
              queue.enqueue(run, { id, priority: op.priority, deadline: op.deadline });
              model.push({ id, seq: next, spec: { priority: op.priority, deadline: op.deadline } });
            } else if (op.kind === 'dequeue') {
              const head = modelHead();
              const entry: QueueEntry | undefined = queue.shift();
              expect(entry?.id).toBe(head?.id);
              model = model.filter((m) => m !== head);
            } else if (model.length > 0) {
              const target = model[op.pick % model.length]!;
              if (op.kind === 'remove') {
                queue.remove(target.id);
                model = model.filter((m) => m !== target);
              } else {
                queue.setPriority(target.id, op.priority);
                // A heap queue re-ranks the task but keeps its arrival order for ties.
                target.spec = { ...target.spec, priority: op.priority };
              }
            }
            expect(queue.size).toBe(model.length);
          }
        }),
        { numRuns: 150 },
      );
    },
  );
});

describe('aging', () => {
  it('never lets a task be overtaken by one that arrived more than (priority gap / rate) later', () => {
    const rate = 2; // priority points per second
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            priority: fc.integer({ min: 0, max: 10 }),
            gapMs: fc.integer({ min: 0, max: 3_000 }),
            dequeues: fc.integer({ min: 0, max: 2 }),
          }),
          { minLength: 1, maxLength: 120 },
        ),
        (arrivals) => {
          const clock = new ManualClock(0);
          const queue = new PriorityHeapQueue({ agingPriorityPerSecond: rate, clock });
          const arrivedAt = new Map<string, { at: number; priority: number }>();
          const order: string[] = [];
          arrivals.forEach(({ priority, gapMs, dequeues }, index) => {
            clock.advance(gapMs);
            const id = `t${index}`;
            queue.enqueue(async () => id, { id, priority });
            arrivedAt.set(id, { at: clock.now(), priority });
            for (let i = 0; i < dequeues; i++) {
              const entry = queue.shift();
              if (entry) order.push(entry.id);
            }
          });
          for (let entry = queue.shift(); entry; entry = queue.shift()) order.push(entry.id);

          // Whenever b is dequeued before a although a arrived first, b's head start in
          // priority must cover the time a had already waited.
          order.forEach((idB, position) => {
            const b = arrivedAt.get(idB)!;
            for (const idA of order.slice(position + 1)) {
              const a = arrivedAt.get(idA)!;
              if (a.at < b.at) {
                expect(b.at - a.at).toBeLessThanOrEqual(((b.priority - a.priority) / rate) * 1000);
              }
            }
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('without aging, a low-priority task starves under a stream of higher ones', () => {
    const queue = new PriorityHeapQueue();
    queue.enqueue(async () => 'low', { id: 'low', priority: 0 });

    const served: string[] = [];
    for (let i = 0; i < 100; i++) {
      queue.enqueue(async () => `h${i}`, { id: `h${i}`, priority: 1 });
      served.push(queue.shift()!.id);
    }

    expect(served).not.toContain('low');
  });

  it('with aging, the same low-priority task is served once it has waited long enough', () => {
    const clock = new ManualClock(0);
    const queue = new PriorityHeapQueue({ agingPriorityPerSecond: 1, clock });
    queue.enqueue(async () => 'low', { id: 'low', priority: 0 });

    const served: string[] = [];
    for (let i = 0; i < 100; i++) {
      clock.advance(100);
      queue.enqueue(async () => `h${i}`, { id: `h${i}`, priority: 1 });
      served.push(queue.shift()!.id);
    }

    // After 1 s (the 10th arrival) it has made up the one point, ties, and wins by arrival.
    expect(served.indexOf('low')).toBe(9);
  });
});

import { cacheKey } from '@x/cache';
import { z } from 'zod';
import type {
  Backends,
  CallScheduler,
  CallSpan,
  CategoryGuard,
  ResultCache,
} from '../src/backends/index.js';
import {
  CategoryRegistry,
  type CategorySpec,
  defineTool,
  resolveZodTool,
} from '../src/catalog/index.js';
import { Dispatcher, IdempotencyStore } from '../src/pipeline/index.js';

/** Fakes of the four backend seams: they do the least their interface promises, and count. */

/** Runs every call at once, in the order it arrives; counts what it ran. */
export class ImmediateScheduler implements CallScheduler {
  running = 0;
  completed = 0;
  readonly priorities: number[] = [];

  async schedule<T>(fn: () => Promise<T>, options: { priority: number }): Promise<T> {
    this.priorities.push(options.priority);
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.completed++;
    }
  }

  async onIdle(): Promise<void> {}

  stats() {
    return { queued: 0, running: this.running, completed: this.completed, failed: 0 };
  }
}

/** No circuit: runs `fn` with the caller's signal. */
export const passThroughGuard: CategoryGuard = {
  execute: (_category, fn, signal) => fn(signal),
  states: () => ({}),
};

/** A Map keyed like the real cache (`cacheKey`), without TTLs. */
export class MapCache implements ResultCache {
  readonly entries = new Map<string, unknown>();
  hits = 0;
  misses = 0;

  key(category: string, tool: string, params: unknown): string {
    return cacheKey(`${category}.${tool}`, params);
  }

  async get(key: string) {
    if (this.entries.has(key)) {
      this.hits++;
      return { value: this.entries.get(key) };
    }
    this.misses++;
    return undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    this.entries.set(key, value);
  }

  stats() {
    const lookups = this.hits + this.misses;
    return { hits: this.hits, misses: this.misses, hitRate: lookups ? this.hits / lookups : 0 };
  }

  async close(): Promise<void> {}
}

/** Keeps every span it is given. */
export function spanRecorder() {
  const spans: CallSpan[] = [];
  return {
    spans,
    onCall: (span: CallSpan) => void spans.push(span),
    shutdown: async () => {},
    stats: () => ({ recorded: spans.length }),
  };
}

/** Resolves the next time `count` reaches `n`: a test waits on an event, never by polling. */
export class Counter {
  #count = 0;
  readonly #waiters: { n: number; resolve: () => void }[] = [];

  get count(): number {
    return this.#count;
  }

  bump(): void {
    this.#count++;
    for (const waiter of this.#waiters.filter((w) => w.n <= this.#count)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  reached(n: number): Promise<void> {
    if (this.#count >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }
}

/** Wraps a scheduler so the test can wait until N calls reached it. */
export function countingScheduler(inner: CallScheduler): CallScheduler & { scheduled: Counter } {
  const scheduled = new Counter();
  return {
    scheduled,
    schedule(fn, options) {
      scheduled.bump();
      return inner.schedule(fn, options);
    },
    onIdle: () => inner.onIdle(),
    stats: () => inner.stats(),
  };
}

/**
 * A category whose calls wait for the test to release them, recording the order they started in;
 * `started` counts the calls that began running.
 */
export function gatedCategory() {
  const order: string[] = [];
  const gates: (() => void)[] = [];
  const started = new Counter();
  const spec: CategorySpec = {
    name: 'gated',
    description: 'Calls that wait for the test',
    load: () => ({
      tools: [
        resolveZodTool(
          'gated',
          defineTool({
            name: 'step',
            description: 'Waits for release',
            input: z.object({ label: z.string() }),
            run: ({ label }) => {
              order.push(label);
              started.bump();
              return new Promise<string>((resolve) => gates.push(() => resolve(label)));
            },
          }),
        ),
      ],
    }),
  };
  return { spec, order, started, releaseNext: () => gates.shift()?.() };
}

export interface DispatcherHarness {
  dispatcher: Dispatcher;
  registry: CategoryRegistry;
  backends: Backends;
  spans: CallSpan[];
}

/** A Dispatcher over the given categories and backends (fakes unless given): no server. */
export function dispatcherWith(
  categories: CategorySpec[],
  backends: Partial<Backends> = {},
): DispatcherHarness {
  const registry = new CategoryRegistry();
  for (const spec of categories) registry.register(spec);
  const recorder = spanRecorder();
  const all: Backends = {
    scheduler: new ImmediateScheduler(),
    guard: passThroughGuard,
    cache: new MapCache(),
    telemetry: recorder,
    ...backends,
  };
  const dispatcher = new Dispatcher({
    registry,
    scheduler: all.scheduler,
    guard: all.guard,
    cache: all.cache,
    idempotency: new IdempotencyStore({ windowMs: 60_000, maxKeys: 100 }),
    observers: [all.telemetry],
    categoryPriority: (category) => registry.spec(category).priority ?? 0,
    defaultCacheTtlMs: 60_000,
  });
  return { dispatcher, registry, backends: all, spans: recorder.spans };
}

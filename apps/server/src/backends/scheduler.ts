import { Scheduler } from '@x/scheduler';
import type { CallScheduler, SchedulerFigures } from './types.js';

export interface PrioritySchedulerOptions {
  /** Calls running at once (`scheduler.concurrency`). */
  concurrency: number;
}

/** Every call through one `@x/scheduler` Scheduler with the `priority` policy. */
export class PriorityScheduler implements CallScheduler {
  readonly #scheduler: Scheduler<'run'>;
  readonly #concurrency: number;

  constructor(options: PrioritySchedulerOptions) {
    this.#concurrency = options.concurrency;
    this.#scheduler = new Scheduler({ policy: 'priority', concurrency: this.#concurrency });
  }

  schedule<T>(
    fn: () => Promise<T>,
    options: { priority: number; signal?: AbortSignal },
  ): Promise<T> {
    const scheduler = this.#scheduler;
    const { priority, signal } = options;
    // A call that gets a free slot starts inside add(): it never waits, so the signal has nothing
    // to take out of the queue, and the task itself hands it to the tool. Leaving it out keeps
    // the scheduler on its plain path (no task record, no abort listener).
    if (
      signal === undefined ||
      (scheduler.size === 0 && scheduler.pending < this.#concurrency && !scheduler.isPaused)
    ) {
      return scheduler.add(fn, { priority });
    }
    return scheduler.add(fn, { priority, signal });
  }

  async onIdle(): Promise<void> {
    await this.#scheduler.onIdle();
  }

  stats(): SchedulerFigures & Record<string, number> {
    return { ...this.#scheduler.stats() };
  }

  close(): Promise<void> {
    return this.#scheduler.close();
  }
}

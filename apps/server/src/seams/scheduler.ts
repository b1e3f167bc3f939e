import { Scheduler } from '@x/scheduler';

/** Plain figures every scheduler seam reports. */
export interface SchedulerFigures {
  queued: number;
  running: number;
  completed: number;
  failed: number;
}

/** Orders calls: higher priority first, FIFO among equals, bounded concurrency. */
export interface CallScheduler {
  /** Runs `fn` when its turn comes; rejects without running it if `signal` aborts first. */
  schedule<T>(fn: () => Promise<T>, options: { priority: number; signal: AbortSignal }): Promise<T>;
  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void>;
  stats(): SchedulerFigures;
}

export interface PrioritySchedulerOptions {
  /** Calls running at once. @default 32 */
  concurrency?: number;
}

/** Every call through one `@x/scheduler` Scheduler with the `priority` policy. */
export class PriorityScheduler implements CallScheduler {
  readonly #scheduler: Scheduler<'run'>;

  constructor(options: PrioritySchedulerOptions = {}) {
    this.#scheduler = new Scheduler({ policy: 'priority', concurrency: options.concurrency ?? 32 });
  }

  schedule<T>(
    fn: () => Promise<T>,
    options: { priority: number; signal: AbortSignal },
  ): Promise<T> {
    return this.#scheduler.add(() => fn(), options);
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

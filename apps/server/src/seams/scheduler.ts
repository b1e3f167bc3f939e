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

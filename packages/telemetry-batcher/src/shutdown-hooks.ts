/** What the hooks need from a batcher; `TelemetryBatcher` has it. */
export interface ShutdownHookTarget {
  flush(): Promise<void>;
  flushSync(): number;
  shutdown(): Promise<void>;
  stats(): { queued: number };
}

/** The slice of `process` the hooks use; injectable for tests. */
export interface ProcessLike {
  readonly pid: number;
  on(event: string, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(event: string, listener: (signal: NodeJS.Signals) => void): unknown;
  listenerCount(event: string): number;
  kill(pid: number, signal: NodeJS.Signals): unknown;
}

export interface ShutdownHookOptions {
  /**
   * Signals that shut the batcher down; afterwards the signal is raised again so the process
   * ends as it would have without us, unless another listener of that signal remains.
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * Flush on `beforeExit`, when the event loop runs dry with spans still queued.
   * @default true
   */
  beforeExit?: boolean;
  /**
   * On `exit` (including `process.exit()`), write what is still queued synchronously, if the
   * exporter can (the JSONL file exporter can). Best effort: exports in flight are not waited for.
   * @default true
   */
  exitSync?: boolean;
  /** @default globalThis.process */
  process?: ProcessLike;
}

/**
 * Makes a normal shutdown lose no spans: flushes on `beforeExit`, shuts down on SIGTERM and
 * SIGINT then re-raises the signal, and flushes synchronously on `exit`. Listeners already
 * installed keep running (ours are added beside them). A second signal while shutting down
 * stops waiting and re-raises at once.
 * @returns a function that removes the hooks again.
 */
export function installShutdownHooks(
  batcher: ShutdownHookTarget,
  options: ShutdownHookOptions = {},
): () => void {
  if (batcher === null || typeof batcher !== 'object' || typeof batcher.shutdown !== 'function') {
    throw new TypeError('batcher must be a TelemetryBatcher (an object with shutdown())');
  }
  const proc: ProcessLike = options.process ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  if (!Array.isArray(signals) || signals.some((signal) => typeof signal !== 'string')) {
    throw new TypeError("signals must be an array of signal names such as ['SIGTERM', 'SIGINT']");
  }
  let shuttingDown = false;
  let installed = true;

  const reraise = (signal: NodeJS.Signals) => {
    // Another listener still there owns the decision to exit; raising would override it.
    if (proc.listenerCount(signal) === 0) proc.kill(proc.pid, signal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      uninstall();
      reraise(signal);
      return;
    }
    shuttingDown = true;
    void batcher.shutdown().then(() => {
      if (!installed) return;
      uninstall();
      reraise(signal);
    });
  };
  const onBeforeExit = () => {
    if (batcher.stats().queued > 0) void batcher.flush();
  };
  const onExit = () => {
    batcher.flushSync();
  };

  const uninstall = () => {
    if (!installed) return;
    installed = false;
    for (const signal of signals) proc.removeListener(signal, onSignal);
    proc.removeListener('beforeExit', onBeforeExit);
    proc.removeListener('exit', onExit);
  };

  for (const signal of signals) proc.on(signal, onSignal);
  if (options.beforeExit ?? true) proc.on('beforeExit', onBeforeExit);
  if (options.exitSync ?? true) proc.on('exit', onExit);
  return uninstall;
}

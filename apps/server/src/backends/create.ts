import { defaultDirs, type XServerConfig } from '../config/index.js';
import { BreakerGuard } from './breaker.js';
import { TieredResultCache } from './cache.js';
import { PriorityScheduler } from './scheduler.js';
import { SpanRecorder } from './telemetry.js';
import type { Backends, CallRecorder } from './types.js';

/** Telemetry switched off in the config: calls leave no span. */
const noTelemetry: CallRecorder = {
  onCall() {},
  async shutdown() {},
  stats: () => ({ recorded: 0, exported: 0, queued: 0, dropped: 0, exportErrors: 0 }),
};

/** A Redis tier through `@keyv/redis`, loaded only when configured (it pulls in a client). */
async function redisStores(config: XServerConfig) {
  const url = config.cache.redisUrl;
  if (url === undefined) return [];
  const { default: KeyvRedis } = await import('@keyv/redis');
  // Redis down means misses (and 'error' events counted in stats), never failed calls.
  return [new KeyvRedis(url, { throwOnConnectError: false, throwOnErrors: false })];
}

export interface CreateBackendsOptions {
  /**
   * Hears what the backends left out and why: a disk tier or telemetry directory that cannot be
   * created is a warning, and the server runs without it. @default a line on stderr
   */
  onWarning?: (message: string) => void;
}

/** Stderr, never stdout: in stdio mode stdout carries the protocol. */
const warnOnStderr = (message: string) => {
  process.stderr.write(`[x-server] warning: ${message}\n`);
};

/**
 * The embedded backends from the config: `@x/scheduler`, a `@x/breaker` per category, `@x/cache`
 * with memory + disk tiers (+ Redis when `cache.redisUrl` is set), `@x/telemetry-batcher` to rotating JSONL (and OTLP when set).
 * Directories the config leaves unset are the platform's (`defaultDirs()`), never the cwd.
 */
export async function createBackends(
  config: XServerConfig,
  options: CreateBackendsOptions = {},
): Promise<Backends> {
  const onWarning = options.onWarning ?? warnOnStderr;
  const dirs = defaultDirs();
  return {
    scheduler: new PriorityScheduler({ concurrency: config.scheduler.concurrency }),
    guard: new BreakerGuard({
      failureThreshold: config.breaker.failureThreshold,
      recoveryTimeoutMs: config.breaker.recoveryTimeoutMs,
      timeoutMsFor: (category) => config.categories[category]?.timeoutMs,
    }),
    cache: new TieredResultCache({
      memoryMaxEntries: config.cache.memoryMaxEntries,
      diskDir: config.cache.disk ? (config.cache.dir ?? dirs.cache) : undefined,
      diskMaxBytes: config.cache.diskMaxBytes,
      sharedStores: await redisStores(config),
      namespace: config.cache.namespace,
      onWarning,
    }),
    telemetry: config.telemetry.enabled
      ? new SpanRecorder({
          dir: config.telemetry.dir ?? dirs.telemetry,
          maxFileBytes: config.telemetry.maxFileBytes,
          maxFiles: config.telemetry.maxFiles,
          flushIntervalMs: config.telemetry.flushIntervalMs,
          otlpUrl: config.telemetry.otlpUrl,
          onWarning,
        })
      : noTelemetry,
  };
}

import type { XServerConfig } from '../config/index.js';
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

/**
 * The embedded backends from the config: `@x/scheduler`, a `@x/breaker` per category, `@x/cache`
 * with memory + disk tiers (+ Redis when `cache.redisUrl` is set), `@x/telemetry-batcher` to rotating JSONL (and OTLP when set).
 */
export async function createBackends(config: XServerConfig): Promise<Backends> {
  return {
    scheduler: new PriorityScheduler({ concurrency: config.scheduler.concurrency }),
    guard: new BreakerGuard({
      failureThreshold: config.breaker.failureThreshold,
      recoveryTimeoutMs: config.breaker.recoveryTimeoutMs,
      timeoutMsFor: (category) => config.categories[category]?.timeoutMs,
    }),
    cache: new TieredResultCache({
      memoryMaxEntries: config.cache.memoryMaxEntries,
      diskDir: config.cache.disk ? config.cache.dir : undefined,
      diskMaxBytes: config.cache.diskMaxBytes,
      sharedStores: await redisStores(config),
      namespace: config.cache.namespace,
    }),
    telemetry: config.telemetry.enabled
      ? new SpanRecorder({
          dir: config.telemetry.dir,
          maxFileBytes: config.telemetry.maxFileBytes,
          maxFiles: config.telemetry.maxFiles,
          flushIntervalMs: config.telemetry.flushIntervalMs,
          otlpUrl: config.telemetry.otlpUrl,
        })
      : noTelemetry,
  };
}

import type { ServerEventBus } from '@modelcontextprotocol/server';
import type { XServerConfig } from '../config/index.js';
import { instanceIdOf } from './instance.js';
import { RedisEventBus, type RedisEventBusFigures } from './redis-bus.js';
import { RedisCoalescer } from './redis-coalescer.js';
import { RedisIdempotency, type SharedIdempotencyWindow } from './redis-idempotency.js';
import { type LeasedRunFigures, LeasedRuns } from './redis-lease.js';
import { RedisLink } from './redis-link.js';
import type { Coalescer } from './types.js';

export interface SharedStateFigures {
  /** Redis answers now (both connections up). */
  connected: boolean;
  /** Redis commands that failed or timed out, connection errors, events left unshared. */
  errors: number;
  /** Coalesced runs and idempotent calls, as `LeasedRuns` counts them (`fallbacks`: without Redis). */
  runs: LeasedRunFigures;
  events: RedisEventBusFigures;
}

/** What many instances on one Redis share besides the result cache. */
export interface SharedState {
  /** The change events of `subscriptions/listen`, across instances. */
  readonly events: ServerEventBus;
  /** The idempotency window across instances. */
  readonly idempotency: SharedIdempotencyWindow;
  /** Coalescing across instances, on top of the instance's own coalescer. */
  coalescer(local: Coalescer): Coalescer;
  /** Lua on this Redis, for state every instance counts together (`http.auth.rateLimit`). */
  readonly scripts: {
    readonly namespace: string;
    eval(script: string, keys: string[], args: string[]): Promise<unknown>;
  };
  stats(): SharedStateFigures;
  close(): Promise<void>;
}

/**
 * The category of a dispatcher key: cache keys (`<category>.<tool>:<hash>`) and idempotency keys
 * (`<category>.<tool>\0<key>`) both start with it, and category names hold no dot.
 */
function categoryOf(key: string): string {
  const dot = key.indexOf('.');
  return dot < 0 ? key : key.slice(0, dot);
}

/**
 * The shared state of `cluster` on `cache.redisUrl`, or `undefined` when there is no Redis URL or
 * `cluster.shared` is false. It connects in the background and never fails start-up: until Redis
 * answers (and whenever it is away) every feature works per instance and counts the error.
 */
export function createSharedState(config: XServerConfig): SharedState | undefined {
  const url = config.cache.redisUrl;
  if (url === undefined || !config.cluster.shared) return undefined;
  const link = new RedisLink({
    url,
    namespace: config.cache.namespace,
    commandTimeoutMs: config.cluster.commandTimeoutMs,
  });
  const runs = new LeasedRuns(link, config.cluster.leaseMs);
  const events = new RedisEventBus(link, instanceIdOf(config));
  const timeoutFor = (key: string) => {
    const category = categoryOf(key);
    const ms = config.categories[category]?.timeoutMs;
    return ms === undefined ? undefined : { ms, name: category };
  };
  return {
    events,
    idempotency: new RedisIdempotency(runs, timeoutFor),
    coalescer: (local) => new RedisCoalescer(local, runs, timeoutFor),
    scripts: {
      namespace: link.namespace,
      eval: (script, keys, args) => link.eval(script, keys, args),
    },
    stats: () => ({ ...link.stats(), runs: runs.stats(), events: events.stats() }),
    close: () => link.close(),
  };
}

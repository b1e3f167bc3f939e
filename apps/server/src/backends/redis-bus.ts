import { randomUUID } from 'node:crypto';
import {
  InMemoryServerEventBus,
  type ServerEvent,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { RedisLink } from './redis-link.js';

// The namespace's channel of change events: `{ from: <instance id>#<nonce>, event }`.
const CHANNEL = 'events';

export interface RedisEventBusFigures {
  /** Events this instance published. */
  published: number;
  /** Events from other instances delivered to this instance's subscriptions. */
  received: number;
  /** Events published while Redis was away: delivered on this instance only. */
  unshared: number;
}

const KINDS = new Set(['tools_list_changed', 'prompts_list_changed', 'resources_list_changed']);

/** An event from the channel, or `undefined` when the message is not one we publish. */
function parse(message: string): { from: string; event: ServerEvent } | undefined {
  try {
    const { from, event } = JSON.parse(message) as { from?: unknown; event?: Partial<ServerEvent> };
    if (typeof from !== 'string' || !event || typeof event !== 'object') return undefined;
    if (KINDS.has(event.kind as string)) return { from, event: event as ServerEvent };
    if (event.kind === 'resource_updated' && typeof event.uri === 'string') {
      return { from, event: event as ServerEvent };
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * The SDK's `ServerEventBus` across instances: an event published on one instance reaches the
 * `subscriptions/listen` streams open on every instance of the namespace. Delivery on this
 * instance is synchronous and never waits for Redis; the event also goes out on the namespace's
 * `events` channel, and events from other instances are delivered here as they arrive (an
 * instance never hears its own twice). Redis away: events stay on their instance, counted.
 */
export class RedisEventBus implements ServerEventBus {
  readonly #local = new InMemoryServerEventBus();
  readonly #link: RedisLink;
  /** The sender of this bus's events: the instance's name and a nonce of this bus. */
  readonly #origin: string;
  readonly #figures: RedisEventBusFigures = { published: 0, received: 0, unshared: 0 };

  constructor(link: RedisLink, instanceId: string) {
    this.#link = link;
    // Two instances configured with one instanceId (a shared config file) must still hear
    // each other: the nonce tells them apart.
    this.#origin = `${instanceId}#${randomUUID()}`;
    link.listen(CHANNEL, (message) => {
      const parsed = parse(message);
      if (!parsed) {
        link.countError();
        return;
      }
      if (parsed.from === this.#origin) return;
      this.#figures.received++;
      this.#local.publish(parsed.event);
    });
  }

  publish(event: ServerEvent): void {
    this.#figures.published++;
    this.#local.publish(event);
    if (!this.#link.ready) {
      this.#figures.unshared++;
      this.#link.countError();
      return;
    }
    this.#link.publish(CHANNEL, JSON.stringify({ from: this.#origin, event })).catch(() => {
      this.#figures.unshared++;
    });
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    return this.#local.subscribe(listener);
  }

  stats(): RedisEventBusFigures {
    return { ...this.#figures };
  }
}

import type { LoggingLevel } from '@modelcontextprotocol/server';
import type { ClientChannel, ClientRequestMethod, LogLevel } from '../catalog/index.js';

/*
 * The rules of the way back to a client that do not depend on the call being served: the log
 * levels, the capability a request to the client needs, and the channel a call's work sees.
 */

/**
 * The level a 2025-era client gets log lines at before it sends `logging/setLevel`: `info`, so a
 * client that never asked is not sent a debug line per call.
 */
export const DEFAULT_LEGACY_LOG_LEVEL: LoggingLevel = 'info';

export const SEVERITY: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** The capability a request to the client needs, or why the client's capabilities lack it. */
export function missingCapability(
  request: { method: ClientRequestMethod; params?: Record<string, unknown> },
  capabilities: Record<string, unknown> | undefined,
): string | undefined {
  const declared = (key: string) => capabilities?.[key] as Record<string, unknown> | undefined;
  switch (request.method) {
    case 'sampling/createMessage':
      return declared('sampling') ? undefined : 'sampling';
    case 'roots/list':
      return declared('roots') ? undefined : 'roots';
    case 'elicitation/create': {
      const elicitation = declared('elicitation');
      if (!elicitation) return 'elicitation';
      if (request.params?.mode === 'url') return elicitation.url ? undefined : 'elicitation.url';
      // An empty `elicitation: {}` is form mode (the 2025-06-18 shape).
      const form = elicitation.form !== undefined || elicitation.url === undefined;
      return form ? undefined : 'elicitation.form';
    }
  }
}

/**
 * What a {@link Channel} asks of the call it belongs to: the channel itself, less the serving
 * unit (`capabilities()` are the call's: its request's own, in 2026-07-28).
 */
export type ChannelCall = Omit<ClientChannel, 'owner'>;

/** The way back to the client of one call, as its work sees it. */
export class Channel implements ClientChannel {
  readonly #call: ChannelCall;
  readonly owner: object | undefined;

  constructor(call: ChannelCall, options: { owner?: object }) {
    this.#call = call;
    this.owner = options.owner;
  }

  capabilities(): Record<string, unknown> | undefined {
    return this.#call.capabilities();
  }

  logLevel(): LogLevel | undefined {
    return this.#call.logLevel();
  }

  request(
    request: { method: ClientRequestMethod; params?: Record<string, unknown> },
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    return this.#call.request(request, signal);
  }

  log(level: LogLevel, data: unknown, logger?: string): void {
    this.#call.log(level, data, logger);
  }
}

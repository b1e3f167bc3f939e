import {
  type AuthInfo,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  type Server,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import { type Access, accessOf, ForbiddenError } from '../auth/index.js';
import { XServerError } from '../errors.js';
import { InvalidCursorError, PeerFeatureNotFoundError } from '../peers/feature-listings.js';
import type { PeerFeatureEvents, PeerFeatures } from '../peers/features.js';

/**
 * The peers' resources, templates, prompts and completions on every MCP server instance, and
 * the peers' change notifications to the clients: `subscriptions/listen` streams (2026-07-28)
 * through the event bus, 2025-era sessions and stdio connections through their own instance.
 */
export class PeerFeatureHub implements PeerFeatureEvents {
  readonly features: PeerFeatures;
  readonly #bus: ServerEventBus;
  /**
   * Instances that can be told about changes (a 2025 session, a stdio connection) and listed
   * or subscribed: only they would care. Each leaves when its connection closes.
   */
  readonly #listeners = new Set<Server>();

  constructor(features: PeerFeatures, bus: ServerEventBus) {
    this.features = features;
    this.#bus = bus;
  }

  /** The capabilities an instance advertises: none without peers. */
  get capabilities() {
    return this.features.enabled
      ? {
          resources: { subscribe: true, listChanged: true },
          prompts: { listChanged: true },
          completions: {},
        }
      : undefined;
  }

  resourcesChanged(): void {
    this.#bus.publish({ kind: 'resources_list_changed' });
    this.#push((server) => server.sendResourceListChanged());
  }

  promptsChanged(): void {
    this.#bus.publish({ kind: 'prompts_list_changed' });
    this.#push((server) => server.sendPromptListChanged());
  }

  resourceUpdated(uri: string): void {
    this.#bus.publish({ kind: 'resource_updated', uri });
    for (const subscriber of this.features.subscribersOf(uri)) {
      const server = subscriber as Server;
      if (server.transport) server.sendResourceUpdated({ uri }).catch(() => {});
    }
  }

  #push(send: (server: Server) => Promise<void>): void {
    for (const server of this.#listeners) {
      if (!server.transport) {
        this.#listeners.delete(server);
        continue;
      }
      send(server).catch(() => {});
    }
  }

  /**
   * Notes an instance that listed or subscribed, if it is one a notification can reach later
   * (a 2025 session, or stdio); a 2026-07-28 or stateless request's instance ends with it.
   */
  #listening(server: Server): boolean {
    if (this.#listeners.has(server)) return true;
    const transport = server.transport as
      | { sessionId?: string; handleRequest?: unknown; handleMessage?: unknown }
      | undefined;
    if (!transport) return false;
    // An HTTP transport without a session serves one request (2026-07-28, or stateless 2025).
    const perRequest =
      transport.sessionId === undefined &&
      (typeof transport.handleRequest === 'function' ||
        typeof transport.handleMessage === 'function');
    if (perRequest) return false;
    this.#listeners.add(server);
    const previous = server.onclose;
    server.onclose = () => {
      this.#listeners.delete(server);
      void this.features.dropSubscriber(server);
      previous?.();
    };
    return true;
  }

  /** Registers the handlers and capabilities on a fresh instance (before it connects). */
  serve(server: Server): void {
    const capabilities = this.capabilities;
    if (!capabilities) return;
    server.registerCapabilities(capabilities);
    const { features } = this;
    // A scoped caller (http.auth.grants) sees a peer's resources and prompts when its scopes
    // open some tool of that peer; anything else is hidden from lists and refused.
    const scoped = (ctx: { http?: { authInfo?: AuthInfo } }) => {
      const access = accessOf(ctx.http?.authInfo);
      return access?.grants ? access : undefined;
    };
    const seen = async <T>(
      access: Access | undefined,
      items: T[],
      peer: (item: T) => Promise<string | undefined>,
    ) => {
      if (!access) return items;
      const open = await Promise.all(
        items.map(async (item) => {
          const owner = await peer(item).catch(() => undefined);
          return owner !== undefined && access.seesCategory(owner);
        }),
      );
      return items.filter((_item, i) => open[i]);
    };
    const admit = (access: Access | undefined, owner: string | undefined, what: string) => {
      if (!access || (owner !== undefined && access.seesCategory(owner))) return;
      const scopes = owner === undefined ? [] : access.grants!.scopesForCategory(owner);
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `[FORBIDDEN] ${new ForbiddenError(what, scopes).message}`,
      );
    };
    server.setRequestHandler('resources/list', (request, ctx) => {
      this.#listening(server);
      return answer(async () => {
        const listed = await features.listResources(request.params?.cursor);
        const resources = await seen(scoped(ctx), listed.resources, (r) => features.ownerOf(r.uri));
        return { ...listed, resources };
      });
    });
    server.setRequestHandler('resources/templates/list', (request, ctx) => {
      this.#listening(server);
      return answer(async () => {
        const listed = await features.listResourceTemplates(request.params?.cursor);
        const resourceTemplates = await seen(scoped(ctx), listed.resourceTemplates, (t) =>
          features.peerOf('template', t.uriTemplate),
        );
        return { ...listed, resourceTemplates };
      });
    });
    server.setRequestHandler('resources/read', (request, ctx) =>
      answer(async () => {
        const access = scoped(ctx);
        if (access) admit(access, await features.ownerOf(request.params.uri), request.params.uri);
        return features.readResource(request.params.uri, ctx.mcpReq.signal);
      }),
    );
    server.setRequestHandler('resources/subscribe', (request, ctx) => {
      if (!this.#listening(server)) {
        // A stateless 2025 HTTP request: no session would carry the updates.
        throw new ProtocolError(
          ProtocolErrorCode.InvalidRequest,
          'resources/subscribe needs a session (Streamable HTTP with Mcp-Session-Id, or stdio) to send updates on.',
        );
      }
      return answer(async () => {
        const access = scoped(ctx);
        if (access) admit(access, await features.ownerOf(request.params.uri), request.params.uri);
        await features.subscribe(request.params.uri, server);
        return {};
      });
    });
    server.setRequestHandler('resources/unsubscribe', (request) =>
      answer(async () => {
        await features.unsubscribe(request.params.uri, server);
        return {};
      }),
    );
    server.setRequestHandler('prompts/list', (request, ctx) => {
      this.#listening(server);
      return answer(async () => {
        const listed = await features.listPrompts(request.params?.cursor);
        const prompts = await seen(scoped(ctx), listed.prompts, (p) =>
          features.peerOf('prompt', p.name),
        );
        return { ...listed, prompts };
      });
    });
    server.setRequestHandler('prompts/get', (request, ctx) =>
      answer(async () => {
        const access = scoped(ctx);
        if (access)
          admit(access, await features.peerOf('prompt', request.params.name), request.params.name);
        return features.getPrompt(request.params.name, request.params.arguments, ctx.mcpReq.signal);
      }),
    );
    server.setRequestHandler('completion/complete', (request, ctx) =>
      answer(async () => {
        const access = scoped(ctx);
        const { ref } = request.params;
        if (access) {
          const owner =
            ref.type === 'ref/prompt'
              ? await features.peerOf('prompt', ref.name)
              : await features.peerOf('template', ref.uri);
          admit(access, owner, ref.type === 'ref/prompt' ? ref.name : ref.uri);
        }
        return features.complete(request.params, ctx.mcpReq.signal);
      }),
    );
  }
}

/**
 * The handler's answer, its failure as a protocol error: a peer's own protocol error as the peer
 * sent it, an unknown resource as resource-not-found, an unknown prompt or a bad cursor as
 * invalid params, anything else (the peer down, timed out) as an internal error naming the peer.
 */
async function answer<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    if (error instanceof PeerFeatureNotFoundError && error.kind === 'resource') {
      throw new ResourceNotFoundError(error.target, error.message);
    }
    if (error instanceof PeerFeatureNotFoundError || error instanceof InvalidCursorError) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
    }
    if (error instanceof XServerError) {
      throw new ProtocolError(ProtocolErrorCode.InternalError, `[${error.code}] ${error.message}`);
    }
    throw error;
  }
}

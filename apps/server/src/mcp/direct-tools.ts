import type { CallToolResult, ServerEventBus, Tool } from '@modelcontextprotocol/server';
import type { CategoryRegistry } from '../catalog/index.js';
import { errorCode, errorMessage } from '../errors.js';
import {
  type DirectPeer,
  isPeerTool,
  type PeerToolListing,
  peerErrorContent,
  TOOL_NAME,
} from '../peers/index.js';
import type { Dispatcher, DispatcherStats, DispatchOptions } from '../pipeline/index.js';
import { LiveServers } from './live-servers.js';
import { structured, toolError } from './results.js';
import type { CallContext } from './tool-kit.js';

/** Where a directly exposed tool goes: its peer (the category) and the peer's own name for it. */
export interface DirectRoute {
  peer: string;
  tool: string;
  /** The peer's output schema, as listed: the answer is projected against it. */
  outputSchema: Record<string, unknown> | undefined;
}

export interface DirectToolsOptions {
  /** The directly exposed peers, in config order (an earlier peer wins a name collision). */
  peers: readonly DirectPeer[];
  /** Holds the direct peers' categories (loaded on first `tools/list`, until `list_changed`). */
  registry: CategoryRegistry;
  /** Runs every direct call: validation, cache, scheduler, breaker, telemetry. */
  dispatcher: Dispatcher;
  /** The change events of 2026-07-28 `subscriptions/listen` streams. */
  events: ServerEventBus;
  /** Where a tool left out (collision, bad name) and a peer that cannot be listed are reported. */
  log: (message: string) => void;
}

interface Built {
  tools: Tool[];
  routes: Map<string, DirectRoute>;
  /** Peers whose tools could not be listed this time, with the reason. */
  unavailable: Map<string, string>;
  /** Tools left out, each with the reason (name collision, a name MCP does not allow). */
  problems: string[];
}

export interface DirectToolsStats {
  peers: string[];
  /** Direct tools in the latest `tools/list`. */
  tools: number;
  listings: number;
  listChanges: number;
  /** Tools not served, each with why: a name collision (naming both) or a name MCP forbids. */
  notServed: string[];
  /** Peers left out of the latest `tools/list` because their tools could not be listed. */
  unavailable: Record<string, string>;
  /** Direct calls, through the same pipeline as `dispatch`. */
  calls: DispatcherStats;
}

/**
 * The tools of `direct` and `both` peers as the protocol's own `tools/list` entries, named
 * `<prefix><tool>` and otherwise as the peer listed them (title, annotations, output schema,
 * icons, `_meta`); their calls go through the dispatcher like `dispatch`, and answer with the
 * peer's own content, structured content and `isError`.
 */
export class DirectTools {
  readonly #options: DirectToolsOptions;
  readonly #live = new LiveServers();
  #built: Promise<Built> | undefined;
  #latest: Built | undefined;
  /** The build {@link #latest} came from: while it is still `#built`, routes are known now. */
  #latestOf: Promise<Built> | undefined;
  /** The notification of the changes read in this turn of the event loop, not sent yet. */
  #telling: NodeJS.Immediate | undefined;
  #generation = 0;
  #listings = 0;
  #listChanges = 0;
  readonly #reported = new Set<string>();
  /** Names a direct tool may not take: the meta-tools'. */
  readonly #reserved = new Set<string>();

  constructor(options: DirectToolsOptions) {
    this.#options = options;
  }

  /** Keeps `names` (the meta-tools') from direct tools; answers this, for chaining. */
  reserve(names: Iterable<string>): this {
    for (const name of names) this.#reserved.add(name);
    return this;
  }

  /** Every direct tool, listing the direct peers on first use; kept until one of them changes. */
  async list(): Promise<Tool[]> {
    return (await this.#build()).tools;
  }

  /**
   * The route of a direct tool's exposed name when the current list is built and has it, without
   * waiting (a call's common case); `undefined` otherwise, when {@link route} decides.
   */
  routeNow(name: string): DirectRoute | undefined {
    const built = this.#built;
    return built !== undefined && built === this.#latestOf
      ? this.#latest!.routes.get(name)
      : undefined;
  }

  /** The route of a direct tool's exposed name, or `undefined` when no direct tool has it. */
  async route(name: string): Promise<DirectRoute | undefined> {
    const built = await this.#build();
    const route = built.routes.get(name);
    if (route) return route;
    // A peer that could not be listed: a call under its prefix gets the peer's real error.
    for (const { peer, prefix } of this.#options.peers) {
      if (built.unavailable.has(peer) && name.startsWith(prefix) && name.length > prefix.length) {
        return { peer, tool: name.slice(prefix.length), outputSchema: undefined };
      }
    }
    return undefined;
  }

  /** Calls a direct tool through the dispatcher and answers as the peer answered. */
  async call(route: DirectRoute, args: unknown, ctx: CallContext): Promise<CallToolResult> {
    const options: DispatchOptions = {
      ...(ctx.progress && { onProgress: ctx.progress }),
      ...(ctx.trace && { trace: ctx.trace }),
      ...(ctx.client && { client: ctx.client }),
    };
    try {
      const call = { category: route.peer, tool: route.tool, params: args ?? {} };
      const done = await this.#options.dispatcher.dispatch(call, ctx.signal, options);
      if (!done.answer) return structured({ result: done.result ?? null });
      const { content, structuredContent } = done.answer;
      return structuredContent === undefined ? { content } : { content, structuredContent };
    } catch (error) {
      if (errorCode(error) === 'CIRCUIT_OPEN') {
        ctx.log('warning', `${route.peer}.${route.tool} refused: ${errorMessage(error)}`);
      }
      // The peer's own tool error goes out as the peer sent it; ours carry their code.
      const content = peerErrorContent(error);
      return content ? { content, isError: true } : toolError(error);
    }
  }

  /** Tracks a serving unit's MCP server, so `notifications/tools/list_changed` reaches it. */
  track(server: Parameters<LiveServers['add']>[0]): void {
    this.#live.add(server);
  }

  /**
   * A peer's tool list changed: a direct peer's drops the list at once, and every client is told
   * (`notifications/tools/list_changed`: 2025 sessions and stdio on their streams, 2026-07-28
   * clients on `subscriptions/listen`) once per burst: the changes read in one turn of the event
   * loop (a peer registering its tools one by one as it starts) make one notification.
   */
  changed(peer: string): void {
    if (!this.#options.peers.some((direct) => direct.peer === peer)) return;
    this.#generation++;
    this.#built = undefined;
    this.#listChanges++;
    if (this.#telling) return;
    // Nothing awaits it: it does not keep the process alive.
    this.#telling = setImmediate(() => {
      this.#telling = undefined;
      this.#options.events.publish({ kind: 'tools_list_changed' });
      this.#live.broadcast((server) => server.sendToolListChanged());
    }).unref();
  }

  #build(): Promise<Built> {
    if (this.#built) return this.#built;
    const generation = this.#generation;
    const built = this.#load();
    this.#built = built;
    built.then(
      (result) => {
        this.#latest = result;
        this.#latestOf = built;
        // A list missing an unavailable peer is not kept: the next tools/list tries it again.
        if (
          this.#built === built &&
          (result.unavailable.size > 0 || generation !== this.#generation)
        )
          this.#built = undefined;
      },
      () => {
        if (this.#built === built) this.#built = undefined;
      },
    );
    return built;
  }

  async #load(): Promise<Built> {
    this.#listings++;
    const { peers, registry } = this.#options;
    const reserved = this.#reserved;
    const loaded = await Promise.allSettled(peers.map(({ peer }) => registry.tools(peer)));
    const built: Built = { tools: [], routes: new Map(), unavailable: new Map(), problems: [] };
    const owners = new Map<string, string>();
    peers.forEach(({ peer, prefix }, index) => {
      const outcome = loaded[index]!;
      if (outcome.status === 'rejected') {
        built.unavailable.set(peer, errorMessage(outcome.reason));
        this.#report(`peer "${peer}" is left out of tools/list: ${errorMessage(outcome.reason)}`);
        return;
      }
      for (const tool of outcome.value.values()) {
        if (!isPeerTool(tool)) continue;
        const name = `${prefix}${tool.name}`;
        const problem = reserved.has(name)
          ? `is the name of x-server's own meta-tool "${name}"`
          : owners.has(name)
            ? `collides with ${owners.get(name)}, which keeps the name`
            : TOOL_NAME.test(name)
              ? undefined
              : 'is not a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .)';
        const what = `tool "${tool.name}" of peer "${peer}" exposed as "${name}"`;
        if (problem) {
          built.problems.push(
            `${what} ${problem}: it is not served directly; set peers.${peer}.prefix`,
          );
          continue;
        }
        owners.set(name, `tool "${tool.name}" of peer "${peer}"`);
        built.tools.push(directEntry(name, tool.listing));
        built.routes.set(name, { peer, tool: tool.name, outputSchema: tool.listing.outputSchema });
      }
    });
    for (const problem of built.problems) this.#report(problem);
    return built;
  }

  /** Logs a problem the first time it is seen. */
  #report(message: string): void {
    if (this.#reported.has(message)) return;
    this.#reported.add(message);
    this.#options.log(message);
  }

  stats(): DirectToolsStats {
    const latest = this.#latest;
    return {
      peers: this.#options.peers.map(({ peer }) => peer),
      tools: latest?.tools.length ?? 0,
      listings: this.#listings,
      listChanges: this.#listChanges,
      notServed: latest?.problems ?? [],
      unavailable: Object.fromEntries(latest?.unavailable ?? []),
      calls: this.#options.dispatcher.stats(),
    };
  }
}

/** The peer's listing under its exposed name, every other field as the peer sent it. */
function directEntry(name: string, listing: PeerToolListing): Tool {
  return { ...listing, name } as Tool;
}

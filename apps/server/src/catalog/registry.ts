import { CategoryLoadError, UnknownCategoryError, UnknownToolError } from '../errors.js';
import type { ResolvedTool } from './tool.js';

/** What a category loader produces: its tools, and how to let go of them. */
export interface LoadedCategory {
  tools: readonly ResolvedTool[];
  /** Releases what the loader opened (connections, handles). Called once at shutdown. */
  close?: () => Promise<void> | void;
}

/**
 * A category as registered: cheap to list, loaded on first use. Built-ins, plugins and (later)
 * upstream peers are all just loaders.
 */
export interface CategorySpec {
  /** Lowercase identifier, e.g. `text`. */
  name: string;
  description: string;
  /** Default scheduling priority of the category's calls (higher runs first). @default 0 */
  priority?: number;
  /** Runs on first use; once even under concurrent first uses; again after a failure. */
  load: () => Promise<LoadedCategory> | LoadedCategory;
}

export interface CategoryInfo {
  name: string;
  description: string;
  loaded: boolean;
  /** Known once the category has loaded. */
  toolCount: number | undefined;
}

export interface RegistryStats {
  categories: number;
  loaded: number;
  tools: number;
  loads: number;
  loadFailures: number;
  /** Loaded categories forgotten so they reload (peer tool lists that changed). */
  invalidations: number;
}

interface Entry {
  spec: CategorySpec;
  tools: Map<string, ResolvedTool> | undefined;
  pending: Promise<Map<string, ResolvedTool>> | undefined;
  loaded: LoadedCategory | undefined;
  /** Bumped by every invalidate(): a load that began under an older one is out of date. */
  generation: number;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** Holds every category and loads each one lazily. */
export class CategoryRegistry {
  readonly #entries = new Map<string, Entry>();
  #loads = 0;
  #loadFailures = 0;
  #invalidations = 0;

  register(spec: CategorySpec): void {
    if (!spec || typeof spec.name !== 'string' || !NAME.test(spec.name)) {
      throw new TypeError(
        `Category name must be lowercase letters, digits, "-" or "_" and start with a letter; got ${JSON.stringify(spec?.name)}.`,
      );
    }
    if (typeof spec.load !== 'function') {
      throw new TypeError(`Category "${spec.name}" needs a load function.`);
    }
    if (this.#entries.has(spec.name)) {
      throw new TypeError(
        `Category "${spec.name}" is registered twice; category names are unique.`,
      );
    }
    this.#entries.set(spec.name, {
      spec,
      tools: undefined,
      pending: undefined,
      loaded: undefined,
      generation: 0,
    });
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  spec(name: string): CategorySpec {
    const entry = this.#entries.get(name);
    if (!entry) throw new UnknownCategoryError(name);
    return entry.spec;
  }

  /** Lists categories without loading any. */
  list(): CategoryInfo[] {
    return [...this.#entries.values()].map((entry) => ({
      name: entry.spec.name,
      description: entry.spec.description,
      loaded: entry.tools !== undefined,
      toolCount: entry.tools?.size,
    }));
  }

  /** The category's tools, loading it on first use. */
  tools(name: string): Promise<Map<string, ResolvedTool>> {
    const entry = this.#entries.get(name);
    if (!entry) return Promise.reject(new UnknownCategoryError(name));
    if (entry.tools) return Promise.resolve(entry.tools);
    if (!entry.pending) {
      const pending = this.#load(entry);
      entry.pending = pending;
      // A failed load leaves no promise behind, so the next use runs the loader again.
      pending.catch(() => {
        if (entry.pending === pending) entry.pending = undefined;
      });
    }
    return entry.pending;
  }

  /**
   * Forgets a loaded category's tools so the next use runs its loader again (a peer whose tool
   * list changed). A load in progress is left to finish and answers the uses waiting for it, but
   * is not kept: it may have read the list before the change. Calls already holding a tool go on.
   */
  invalidate(name: string): void {
    const entry = this.#entries.get(name);
    if (!entry) return;
    entry.generation++;
    if (entry.pending !== undefined && entry.tools === undefined) {
      this.#invalidations++;
      entry.pending = undefined;
      return;
    }
    if (entry.tools === undefined) return;
    const loaded = entry.loaded;
    entry.tools = undefined;
    entry.loaded = undefined;
    this.#invalidations++;
    if (loaded?.close)
      void Promise.resolve()
        .then(() => loaded.close?.())
        .catch(() => {});
  }

  /** Synchronous access for the hot path once a category is loaded. */
  loadedTool(category: string, tool: string): ResolvedTool | undefined {
    return this.#entries.get(category)?.tools?.get(tool);
  }

  async tool(category: string, tool: string): Promise<ResolvedTool> {
    const found = this.loadedTool(category, tool) ?? (await this.tools(category)).get(tool);
    if (!found) throw new UnknownToolError(category, tool);
    return found;
  }

  async #load(entry: Entry): Promise<Map<string, ResolvedTool>> {
    const name = entry.spec.name;
    const generation = entry.generation;
    this.#loads++;
    try {
      const loaded = await entry.spec.load();
      const tools = new Map<string, ResolvedTool>();
      for (const tool of loaded?.tools ?? []) {
        if (tools.has(tool.name)) throw new Error(`tool "${tool.name}" is declared twice`);
        tools.set(tool.name, tool);
      }
      if (generation !== entry.generation) {
        // Invalidated while loading: these tools answer the uses that waited, nothing later.
        if (loaded?.close)
          void Promise.resolve()
            .then(() => loaded.close?.())
            .catch(() => {});
        return tools;
      }
      entry.loaded = loaded;
      entry.tools = tools;
      entry.pending = undefined;
      return tools;
    } catch (error) {
      this.#loadFailures++;
      throw error instanceof CategoryLoadError ? error : new CategoryLoadError(name, error);
    }
  }

  stats(): RegistryStats {
    let loaded = 0;
    let tools = 0;
    for (const entry of this.#entries.values()) {
      if (entry.tools) {
        loaded++;
        tools += entry.tools.size;
      }
    }
    return {
      categories: this.#entries.size,
      loaded,
      tools,
      loads: this.#loads,
      loadFailures: this.#loadFailures,
      invalidations: this.#invalidations,
    };
  }

  /** Closes every loaded category; safe to call twice. */
  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    for (const entry of this.#entries.values()) {
      const loaded = entry.loaded;
      entry.loaded = undefined;
      if (loaded?.close) closing.push(Promise.resolve().then(() => loaded.close?.()));
    }
    await Promise.allSettled(closing);
  }
}

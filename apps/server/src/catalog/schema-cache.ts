import type { CategoryRegistry } from './registry.js';

/**
 * Answers of get_tool_schema, built once per tool and kept until the category's tool list
 * changes (only a peer's does, and then `forget` drops its answers).
 */
export class SchemaCache {
  readonly #answers = new Map<string, Record<string, unknown>>();
  #hits = 0;
  #misses = 0;

  async get(
    registry: CategoryRegistry,
    category: string,
    tool: string,
  ): Promise<Record<string, unknown>> {
    const key = `${category}\u0000${tool}`;
    const known = this.#answers.get(key);
    if (known) {
      this.#hits++;
      return known;
    }
    this.#misses++;
    const found = await registry.tool(category, tool);
    const answer = {
      category,
      tool,
      description: found.description,
      inputSchema: found.jsonSchema(),
      annotations: { ...found.hints },
    };
    this.#answers.set(key, answer);
    return answer;
  }

  /** Drops the answers of one category, whose tools changed. */
  forget(category: string): void {
    const prefix = `${category}\u0000`;
    for (const key of this.#answers.keys()) if (key.startsWith(prefix)) this.#answers.delete(key);
  }

  stats(): { entries: number; hits: number; misses: number } {
    return { entries: this.#answers.size, hits: this.#hits, misses: this.#misses };
  }
}

import { errorMessage } from '../errors.js';
import type { CategoryRegistry } from './registry.js';

export interface SearchHit {
  category: string;
  tool: string;
  description: string;
  score: number;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Categories that could not be loaded for this search, with the reason. */
  unavailable: { category: string; error: string }[];
}

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((token) => token.length > 0);
}

/**
 * Ranks tools by how many query words their name, category and description contain (a name
 * match counts triple). Searching is the one place every category gets loaded: the model asks it
 * precisely when it does not know where a tool lives.
 */
export async function searchTools(
  registry: CategoryRegistry,
  query: string,
  limit: number,
): Promise<SearchResult> {
  const words = tokens(query);
  const categories = registry.list().map((info) => info.name);
  const loaded = await Promise.allSettled(categories.map((name) => registry.tools(name)));
  const hits: SearchHit[] = [];
  const unavailable: SearchResult['unavailable'] = [];
  loaded.forEach((outcome, index) => {
    const category = categories[index]!;
    if (outcome.status === 'rejected') {
      unavailable.push({ category, error: errorMessage(outcome.reason) });
      return;
    }
    for (const tool of outcome.value.values()) {
      const name = `${category}.${tool.name}`.toLowerCase();
      const description = tool.description.toLowerCase();
      let score = 0;
      for (const word of words) {
        if (name.includes(word)) score += 3;
        if (description.includes(word)) score += 1;
      }
      if (score > 0) hits.push({ category, tool: tool.name, description: tool.description, score });
    }
  });
  hits.sort(
    (a, b) => b.score - a.score || (a.category + a.tool).localeCompare(b.category + b.tool),
  );
  return { hits: hits.slice(0, limit), unavailable };
}

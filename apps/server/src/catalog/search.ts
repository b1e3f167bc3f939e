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

// Words that say nothing about which tool is meant ("read a file", "list the files in it").
const STOP_WORDS = new Set(
  'a an the of to in on at by for with from into and or is are be it its this that these those my me i some any all how what which do does can please'.split(
    ' ',
  ),
);

/** A word without a simple English plural ending: files → file, directories → directory. */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ss|ch|sh|x|z)es$/.test(word)) return word.slice(0, -2);
  if (/(?:ss|us|is)$/.test(word) || !word.endsWith('s')) return word;
  return word.slice(0, -1);
}

/** Lowercase words of `text`: `read_file`, `read-only` and `maxBytes` are two words each. */
function words(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** The stemmed words of `text`, as they are matched. */
export function tokens(text: string): string[] {
  return words(text).map(stem);
}

/** The words of a query worth matching, stemmed: stop words dropped (unless nothing else is left). */
function queryWords(query: string): string[] {
  const all = words(query);
  const meaningful = all.filter((word) => !STOP_WORDS.has(word));
  return [...new Set((meaningful.length > 0 ? meaningful : all).map(stem))];
}

/** 1 for the word itself, 0.5 for a word of 3+ letters that starts the other, else 0. */
function matchIn(word: string, field: readonly string[]): number {
  let best = 0;
  for (const token of field) {
    if (token === word) return 1;
    if (word.length >= 3 && token.length >= 3 && (token.startsWith(word) || word.startsWith(token)))
      best = 0.5;
  }
  return best;
}

interface Fields {
  tool: string[];
  category: string[];
  description: string[];
  categoryDescription: string[];
}

// What a match in each place is worth: the tool's own name says most, its category's
// description least (it is shared by every tool of the category).
const WEIGHTS: Record<keyof Fields, number> = {
  tool: 3,
  category: 2,
  description: 1,
  categoryDescription: 0.5,
};

/**
 * Sums, for each query word, its matches in the tool's name, category name, description and
 * category description (whole words count double a prefix), then scales by the share of query
 * words that matched anywhere, so a tool matching every word ranks above one matching a single
 * word many times.
 */
function score(words: readonly string[], fields: Fields): number {
  let total = 0;
  let matched = 0;
  for (const word of words) {
    let sum = 0;
    for (const field of Object.keys(WEIGHTS) as (keyof Fields)[]) {
      sum += WEIGHTS[field] * matchIn(word, fields[field]);
    }
    if (sum > 0) matched++;
    total += sum;
  }
  return words.length === 0 ? 0 : Math.round(((total * matched) / words.length) * 100) / 100;
}

/**
 * Ranks tools by how well their name, category and descriptions match the query's words (see
 * `score`). Searching is the one place every category gets loaded: the model asks it precisely
 * when it does not know where a tool lives.
 */
export async function searchTools(
  registry: CategoryRegistry,
  query: string,
  limit: number,
): Promise<SearchResult> {
  const wanted = queryWords(query);
  const categories = registry.list();
  const loaded = await Promise.allSettled(categories.map((info) => registry.tools(info.name)));
  const hits: SearchHit[] = [];
  const unavailable: SearchResult['unavailable'] = [];
  loaded.forEach((outcome, index) => {
    const info = categories[index]!;
    const category = info.name;
    if (outcome.status === 'rejected') {
      unavailable.push({ category, error: errorMessage(outcome.reason) });
      return;
    }
    const shared = { category: tokens(category), categoryDescription: tokens(info.description) };
    for (const tool of outcome.value.values()) {
      const fields = { ...shared, tool: tokens(tool.name), description: tokens(tool.description) };
      const value = score(wanted, fields);
      if (value > 0)
        hits.push({ category, tool: tool.name, description: tool.description, score: value });
    }
  });
  hits.sort(
    (a, b) => b.score - a.score || (a.category + a.tool).localeCompare(b.category + b.tool),
  );
  return { hits: hits.slice(0, limit), unavailable };
}

import type { PeerConfig } from '../config/index.js';

/** A glob pattern as a regular expression: `*` is any run of characters, `?` any one. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

/**
 * Which of a peer's tools any client may see or call, from `peers.<name>.tools`: a tool is kept
 * when `allow` is unset or one of its patterns matches the name, and no `deny` pattern matches
 * (deny wins). Names are matched whole and case-sensitively, as MCP tool names compare.
 */
export function toolFilter(tools: PeerConfig['tools'] | undefined): (name: string) => boolean {
  const allow = tools?.allow?.map(globToRegExp);
  const deny = (tools?.deny ?? []).map(globToRegExp);
  if (allow === undefined && deny.length === 0) return () => true;
  return (name) =>
    (allow === undefined || allow.some((pattern) => pattern.test(name))) &&
    !deny.some((pattern) => pattern.test(name));
}

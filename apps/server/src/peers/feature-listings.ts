import type { Prompt, Resource, ResourceTemplateType } from '@modelcontextprotocol/client';
import type { PeerConfig } from '../config/index.js';
import { peerPrefix } from '../config/index.js';
import { XServerError } from '../errors.js';
import { clientSdk } from './connection.js';

/** One peer's resources, templates and prompts, each listed once (every page) and kept. */
export interface PeerListing {
  resources?: Promise<Resource[]>;
  templates?: Promise<ResourceTemplateType[]>;
  prompts?: Promise<Prompt[]>;
}

/** Every peer's resources merged in config order: the first peer listing a URI owns it. */
export interface MergedResources {
  resources: Resource[];
  owners: Map<string, string>;
  /** URIs a later peer listed too (their listing is hidden behind the owner's). */
  shadowed: number;
}

/** Every peer's prompts under `<prefix><name>`, the first in config order owning a name. */
export interface MergedPrompts {
  prompts: Prompt[];
  owners: Map<string, { peer: string; name: string }>;
  shadowed: number;
}

/** A resource template of a peer, matched against URIs (RFC 6570, the SDK's `UriTemplate`). */
export interface PeerTemplate {
  peer: string;
  template: ResourceTemplateType;
  match: (uri: string) => boolean;
}

/** A request about a resource, prompt or page this gateway does not know: the caller's mistake. */
export class PeerFeatureNotFoundError extends XServerError {
  readonly code = 'NOT_FOUND';
  override readonly callerFault = true;
  constructor(
    readonly kind: 'resource' | 'prompt' | 'template',
    readonly target: string,
    message: string,
  ) {
    super(message);
    this.name = 'PeerFeatureNotFoundError';
  }
}

/** A `cursor` this gateway did not hand out. */
export class InvalidCursorError extends XServerError {
  readonly code = 'INVALID_PARAMS';
  override readonly callerFault = true;
  constructor(cursor: string) {
    super(
      `Invalid cursor "${cursor.slice(0, 40)}": pass the nextCursor of a previous answer, or none to start.`,
    );
    this.name = 'InvalidCursorError';
  }
}

export function mergeResources(order: string[], lists: Map<string, Resource[]>): MergedResources {
  const owners = new Map<string, string>();
  const resources: Resource[] = [];
  let shadowed = 0;
  for (const peer of order) {
    for (const resource of lists.get(peer) ?? []) {
      if (owners.has(resource.uri)) {
        shadowed++;
        continue;
      }
      owners.set(resource.uri, peer);
      resources.push(resource);
    }
  }
  return { resources, owners, shadowed };
}

export function mergePrompts(
  order: string[],
  configs: Record<string, PeerConfig>,
  lists: Map<string, Prompt[]>,
): MergedPrompts {
  const owners = new Map<string, { peer: string; name: string }>();
  const prompts: Prompt[] = [];
  let shadowed = 0;
  for (const peer of order) {
    const prefix = peerPrefix(peer, configs[peer]!);
    for (const prompt of lists.get(peer) ?? []) {
      const name = `${prefix}${prompt.name}`;
      if (owners.has(name)) {
        shadowed++;
        continue;
      }
      owners.set(name, { peer, name: prompt.name });
      prompts.push({ ...prompt, name });
    }
  }
  return { prompts, owners, shadowed };
}

export function peerTemplates(
  order: string[],
  lists: Map<string, ResourceTemplateType[]>,
): PeerTemplate[] {
  const sdk = clientSdk();
  return order.flatMap((peer) =>
    (lists.get(peer) ?? []).map((template) => {
      let matcher: { match(uri: string): unknown } | undefined;
      try {
        matcher = sdk ? new sdk.UriTemplate(template.uriTemplate) : undefined;
      } catch {
        // A template the SDK cannot parse matches nothing; its exact string still routes.
      }
      return {
        peer,
        template,
        match: (uri: string) => uri === template.uriTemplate || matcher?.match(uri) != null,
      };
    }),
  );
}

/** One page of `items` from `cursor` (ours: an offset, opaque to clients). */
export function page<T>(
  items: T[],
  cursor: string | undefined,
  size: number,
): { items: T[]; nextCursor?: string } {
  let offset = 0;
  if (cursor !== undefined) {
    const match = /^o:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!match) throw new InvalidCursorError(cursor);
    offset = Number(match[1]);
  }
  const end = offset + size;
  const slice = items.slice(offset, end);
  return end < items.length
    ? { items: slice, nextCursor: Buffer.from(`o:${end}`, 'utf8').toString('base64url') }
    : { items: slice };
}

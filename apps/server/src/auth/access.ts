import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { HttpAuthConfig } from '../config/index.js';
import { XServerError } from '../errors.js';
/** Takes one call of a principal in a category, or throws `[RATE_LIMITED]`. */
export interface CallLimiter {
  take(principal: string, category: string): void | Promise<void>;
}

/** The caller's token does not open this category or tool. */
export class ForbiddenError extends XServerError {
  readonly code = 'FORBIDDEN';
  override readonly callerFault = true;
  constructor(
    readonly target: string,
    readonly allowingScopes: readonly string[],
  ) {
    super(
      allowingScopes.length
        ? `"${target}" needs a token with scope ${allowingScopes.map((s) => `"${s}"`).join(' or ')}.`
        : `"${target}" is opened by no scope of http.auth.grants: no token may use it.`,
    );
    this.name = 'ForbiddenError';
  }
}

type Grants = NonNullable<HttpAuthConfig['grants']>;

const globRegex = (glob: string) =>
  new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

interface CompiledGrant {
  scope: string;
  categories: ReadonlySet<string>;
  /** `category/tool` globs, split: the category part and the tool part. */
  tools: { category: RegExp; tool: RegExp }[];
}

/** `http.auth.grants`, compiled once: which scopes open which categories and tools. */
export class GrantTable {
  readonly #grants: CompiledGrant[];

  constructor(grants: Grants) {
    this.#grants = Object.entries(grants).map(([scope, grant]) => ({
      scope,
      categories: new Set(grant.categories ?? []),
      tools: (grant.tools ?? []).map((glob) => {
        const slash = glob.indexOf('/');
        const [category, tool] =
          slash < 0 ? ['*', glob] : [glob.slice(0, slash), glob.slice(slash + 1)];
        return { category: globRegex(category), tool: globRegex(tool) };
      }),
    }));
  }

  /** The scopes whose grant opens `category` (some tool of it, at least). */
  scopesForCategory(category: string): string[] {
    return this.#grants
      .filter((g) => g.categories.has(category) || g.tools.some((t) => t.category.test(category)))
      .map((g) => g.scope);
  }

  /** The scopes whose grant opens `tool` of `category`. */
  scopesForTool(category: string, tool: string): string[] {
    return this.#grants
      .filter(
        (g) =>
          g.categories.has(category) ||
          g.tools.some((t) => t.category.test(category) && t.tool.test(tool)),
      )
      .map((g) => g.scope);
  }
}

/** What one caller (one verified token) may use, and its rate limit. */
export class Access {
  readonly #scopes: ReadonlySet<string>;

  constructor(
    readonly principal: string,
    scopes: readonly string[],
    readonly grants: GrantTable | undefined,
    readonly limiter: CallLimiter | undefined,
    /** Whether this caller's spans name it (`http.auth.principalInSpans`). */
    readonly principalInSpans = false,
  ) {
    this.#scopes = new Set(scopes);
  }

  /** The principal for spans, when they carry it. */
  get spanPrincipal(): string | undefined {
    return this.principalInSpans ? this.principal : undefined;
  }

  /** Whether the caller sees `category` (some of its tools are open to it). */
  seesCategory(category: string): boolean {
    if (!this.grants) return true;
    return this.grants.scopesForCategory(category).some((s) => this.#scopes.has(s));
  }

  /** Whether the caller may call `tool` of `category`. */
  mayCall(category: string, tool: string): boolean {
    if (!this.grants) return true;
    return this.grants.scopesForTool(category, tool).some((s) => this.#scopes.has(s));
  }

  /** Throws `[FORBIDDEN]` (naming the scopes that would open it) or `[RATE_LIMITED]`. */
  async admit(category: string, tool: string): Promise<void> {
    if (!this.mayCall(category, tool)) {
      throw new ForbiddenError(`${category}/${tool}`, this.grants!.scopesForTool(category, tool));
    }
    await this.limiter?.take(this.principal, category);
  }
}

const ACCESS = Symbol.for('x-server.access');

/** Attaches a caller's access to its verified token, which the SDK hands to every handler. */
export function attachAccess(auth: AuthInfo, access: Access): AuthInfo {
  return { ...auth, extra: { ...auth.extra, [ACCESS]: access } };
}

/** The access attached to a verified token, if any (none without `http.auth`, or on stdio). */
export function accessOf(auth: AuthInfo | undefined): Access | undefined {
  const value = (auth?.extra as Record<symbol, unknown> | undefined)?.[ACCESS];
  return value instanceof Access ? value : undefined;
}

const current = new AsyncLocalStorage<Access>();

/** Runs `work` as the caller `access` (every dispatch inside, however nested, is checked). */
export function runAs<T>(access: Access | undefined, work: () => T): T {
  return access ? current.run(access, work) : work();
}

/** The access of the call running now; undefined when the caller is not scoped. */
export function currentAccess(): Access | undefined {
  return current.getStore();
}

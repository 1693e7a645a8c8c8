import type { EntityManager } from '@mikro-orm/core';
import { Unauthenticated } from '../errors';
import type { Gatehouse } from '../runtime';
import { authenticate, type Principal } from '../sessions/authenticate';
import { verifyAccessTokenCached } from '../tokens/access/verify-cached';
import { readBearer } from './bearer';

/** Request headers with lower-case names. */
export type Headers = Record<string, string | undefined>;

/**
 * Gatehouse's part of one request: its headers, its own EntityManager fork (made on first
 * use), and the caller, worked out once and only when a field asks for it.
 */
export class RequestScope {
  private emFork: EntityManager | undefined;
  private principalPromise: Promise<Principal> | undefined;

  constructor(readonly gh: Gatehouse, readonly headers: Headers) {}

  get em(): EntityManager {
    this.emFork ??= this.gh.orm.em.fork() as EntityManager;
    return this.emFork;
  }

  /** The refresh token sent outside the arguments: the `Refresh-Token` header (later also the cookie). */
  presentedRefreshToken(): string | null {
    const header = this.headers['refresh-token']?.trim();
    return header ? header : null;
  }

  /** The signed-in caller, or an `Unauthenticated` error with the reason. */
  principal(): Promise<Principal> {
    this.principalPromise ??= this.resolvePrincipal();
    return this.principalPromise;
  }

  private async resolvePrincipal(): Promise<Principal> {
    const bearer = readBearer(this.headers.authorization, this.gh.settings.authHeaderPrefix);
    if (bearer.kind === 'missing') throw new Unauthenticated('MISSING_TOKEN');
    if (bearer.kind === 'garbled') throw new Unauthenticated('INVALID_TOKEN');
    const verified = verifyAccessTokenCached(bearer.token, this.gh.settings, this.gh.keys, this.gh.verifiedTokens);
    if (!verified.ok) throw new Unauthenticated(verified.problem);
    // The fork is made only if the session cache cannot answer.
    return authenticate(this.gh, () => this.em, verified.claims);
  }
}

/** The part of the GraphQL context Gatehouse needs; merge it into your own context. */
export interface GatehouseContext {
  gatehouse: RequestScope;
}

/** Lower-cases header names and joins repeated values, from Node's `IncomingHttpHeaders` or a `Headers`-like map. */
export function normalizeHeaders(raw: Record<string, string | string[] | undefined> | Iterable<[string, string]>): Headers {
  const headers: Headers = {};
  const entries = Symbol.iterator in raw ? (raw as Iterable<[string, string]>) : Object.entries(raw as Record<string, string | string[] | undefined>);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Builds the Gatehouse context for one request. */
export function createContext(gh: Gatehouse, headers: Headers): GatehouseContext {
  return { gatehouse: new RequestScope(gh, headers) };
}

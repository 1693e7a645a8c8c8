import type { EntityManager } from '@mikro-orm/core';
import { Unauthenticated } from '../errors';
import type { Gatehouse } from '../runtime';
import { authenticate, type Principal } from '../sessions/authenticate';
import { verifyAccessToken } from '../tokens/access/verify';
import { readBearer } from './bearer';

/** Request headers with lower-case names. */
export type Headers = Record<string, string | undefined>;

/**
 * Gatehouse's part of one request: its headers, the client's address, its own
 * EntityManager fork (made on first use), and the caller, worked out once and only when a
 * field asks for it.
 */
export class RequestScope {
  private emFork: EntityManager | undefined;
  private principalPromise: Promise<Principal> | undefined;

  /**
   * @param clientAddress the client's IP address (see `clientAddress()` in server/client-address),
   *   for the per-address login limits; null when the embedding server does not give it,
   *   in which case only the per-username limit applies.
   */
  constructor(readonly gh: Gatehouse, readonly headers: Headers, readonly clientAddress: string | null = null) {}

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
    const verified = verifyAccessToken(bearer.token, this.gh.settings, this.gh.keys);
    if (!verified.ok) throw new Unauthenticated(verified.problem);
    return authenticate(this.gh, this.em, verified.claims);
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

/**
 * Builds the Gatehouse context for one request. Give the client's address (e.g.
 * `clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], settings.trustProxy)`)
 * so failed logins are limited per address too.
 */
export function createContext(gh: Gatehouse, headers: Headers, clientAddress: string | null = null): GatehouseContext {
  return { gatehouse: new RequestScope(gh, headers, clientAddress) };
}

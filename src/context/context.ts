import type { EntityManager } from '@mikro-orm/core';
import { clearedRefreshCookie, readCookie, REFRESH_COOKIE_NAME, refreshCookie } from '../cookies/refresh-cookie';
import { audit, type AuditEvent, type AuditFields } from '../logging/audit';
import type { Logger } from '../logging/logger';
import { requestIdFrom } from '../logging/request-id';
import type { OperationKind } from '../metrics/metrics';
import type { Gatehouse } from '../runtime';
import type { Principal } from '../sessions/authenticate';
import { principalSync } from './principal';
import { seconds } from '../util/clock';

/** Request headers with lower-case names. */
export type Headers = Record<string, string | undefined>;

/**
 * Gatehouse's part of one request: its headers, the client's address, its own
 * EntityManager fork (made on first use), and the caller, worked out once and only when a
 * field asks for it.
 */
export class RequestScope {
  private emFork: EntityManager | undefined;
  private logger: Logger | undefined;
  /** Headers to add to this request's response (see `gatehousePlugin`). */
  readonly responseHeaders = new Map<string, string>();
  /** The top-level fields of the operation, once Apollo has parsed it (for the request log line). */
  operation: string | undefined;
  /** `query`, `mutation` or `subscription` once Apollo has parsed it: the duration histogram's label. */
  operationKind: OperationKind | undefined;
  /** True when the HTTP front times this request itself (Gatehouse's own server); else `gatehousePlugin` does. */
  timedByServer = false;

  /**
   * @param clientAddress the client's IP address (see `clientAddress()` in server/client-address),
   *   for the per-address login limits; null when the embedding server does not give it,
   *   in which case only the per-username limit applies.
   * @param requestId this request's id, in every log line it causes (default: the
   *   `X-Request-Id` header when it is a plain token, else a new UUID).
   */
  constructor(
    readonly gh: Gatehouse,
    readonly headers: Headers,
    readonly clientAddress: string | null = null,
    readonly requestId: string = requestIdFrom(headers['x-request-id']),
  ) {}

  /** The Gatehouse logger, with this request's id. */
  get log(): Logger {
    this.logger ??= this.gh.log.child({ reqId: this.requestId });
    return this.logger;
  }

  /**
   * Writes an audit line for this request (see `audit`): only user, device, app, reason and
   * count fields are written, never tokens or passwords.
   *
   * @example gatehouse.audit('logout', { userId: user.id, deviceId: claims.sid });
   */
  audit(event: AuditEvent, fields: AuditFields = {}): void {
    audit(this.log, event, fields);
  }

  get em(): EntityManager {
    this.emFork ??= this.gh.orm.em.fork() as EntityManager;
    return this.emFork;
  }

  /** The refresh token sent outside the arguments: the `Refresh-Token` header, else (cookie mode) the cookie. */
  presentedRefreshToken(): string | null {
    return this.presentedRefreshTokenWithSource()?.token ?? null;
  }

  /** The refresh token sent outside the arguments and where it came from: the header first, then (with `JWT_COOKIE`) the cookie. */
  presentedRefreshTokenWithSource(): { token: string; source: 'header' | 'cookie' } | null {
    const header = this.headers['refresh-token']?.trim();
    if (header) return { token: header, source: 'header' };
    const cookie = this.refreshCookieToken();
    return cookie ? { token: cookie, source: 'cookie' } : null;
  }

  /** The refresh token in the cookie (cookie mode only). */
  refreshCookieToken(): string | null {
    return this.gh.settings.cookie.enabled ? readCookie(this.headers.cookie, REFRESH_COOKIE_NAME) : null;
  }

  /**
   * In cookie mode (`JWT_COOKIE=true`), answers with the refresh cookie holding this token
   * until `expiresAt` (Unix seconds). A no-op otherwise.
   */
  setRefreshCookie(token: string, expiresAt: number): void {
    if (!this.gh.settings.cookie.enabled) return;
    this.responseHeaders.set('set-cookie', refreshCookie(token, expiresAt - seconds(this.gh.clock.now()), this.gh.settings.cookie.path));
  }

  /**
   * In cookie mode, answers with a `Set-Cookie` that drops the refresh cookie (logout,
   * revocation, a refused cookie). A no-op otherwise.
   *
   * @example if (ended) gatehouse.clearRefreshCookie();
   */
  clearRefreshCookie(): void {
    if (!this.gh.settings.cookie.enabled) return;
    this.responseHeaders.set('set-cookie', clearedRefreshCookie(this.gh.settings.cookie.path));
  }

  /**
   * The signed-in caller (a verified, live session), or a rejection with `Unauthenticated`
   * and the reason. Worked out once per request, however often it is asked.
   *
   * @example
   * const { user } = await context.gatehouse.principal();
   */
  principal(): Promise<Principal> {
    try {
      return Promise.resolve(principalSync(this));
    } catch (error) {
      return Promise.reject(error);
    }
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
 * `clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], settings.server.trustProxy)`)
 * so failed logins are limited per address too.
 */
export function createContext(gh: Gatehouse, headers: Headers, clientAddress: string | null = null, requestId?: string): GatehouseContext {
  return { gatehouse: new RequestScope(gh, headers, clientAddress, requestId) };
}

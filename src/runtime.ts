import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { createLogger, type Logger } from './logging/logger';
import type { User } from './entities';
import type { AuthPayloadType } from './graphql/types/payloads';
import type { Settings } from './settings';
import type { TokenKeys } from './tokens/keys';
import { SessionCache } from './sessions/cache';
import type { UserSnapshot } from './sessions/cache';

/** Which mutation is answering with an `AuthPayload`. */
export type AuthPayloadSource = 'tokenAuth' | 'refreshToken' | 'statelessRefresh';

/**
 * Customisation points, in place of djangorestframework-jwt's payload handlers. All optional.
 *
 * @example
 * const hooks: GatehouseHooks = {
 *   extraClaims: (user) => ({ plan: user.roles.includes('pro') ? 'pro' : 'free' }),
 *   findUser: (login, em) => em.findOne(User, login.includes('@') ? { email: login.toLowerCase() } : { username: login }),
 *   authPayload: (payload, { user }) => ({ ...payload, welcome: `Hello, ${user.username}` }),
 * };
 */
export interface GatehouseHooks {
  /**
   * Extra claims for every access token of this user (`JWT_PAYLOAD_HANDLER`). Standard
   * claims (`sub`, `exp`, `sid`, …) cannot be overridden. Claims are readable by anyone
   * who holds the token: put no secrets in them.
   */
  extraClaims?(user: UserSnapshot): Record<string, unknown> | Promise<Record<string, unknown>>;
  /**
   * Finds the user a `tokenAuth` login names (default: the exact `username`). Return null
   * for "no such user": the answer is the same `INVALID_CREDENTIALS` as a wrong password.
   */
  findUser?(login: string, em: EntityManager): Promise<User | null>;
  /**
   * Shapes the `AuthPayload` that `tokenAuth` and `refreshToken` return
   * (`JWT_RESPONSE_PAYLOAD_HANDLER`). Properties you add are served by fields you add with
   * `extend type AuthPayload { … }` (SDL) or a type-graphql `@FieldResolver`.
   */
  authPayload?(payload: AuthPayloadType, context: { user: UserSnapshot; source: AuthPayloadSource }): AuthPayloadType | Promise<AuthPayloadType>;
}

/**
 * Everything a Gatehouse instance holds: settings, keys, the ORM and the session cache.
 * Passed explicitly (through the GraphQL context); there are no module-level globals.
 */
export interface Gatehouse {
  readonly settings: Settings;
  readonly keys: TokenKeys;
  readonly orm: MikroORM;
  readonly sessions: SessionCache;
  readonly hooks: GatehouseHooks;
  /** Structured logs (pino): request lines and audit lines. */
  readonly log: Logger;
}

export function createRuntime(settings: Settings, keys: TokenKeys, orm: MikroORM, hooks: GatehouseHooks = {}, log: Logger = createLogger(settings)): Gatehouse {
  return { settings, keys, orm, sessions: new SessionCache(settings.sessionCacheTtl), hooks, log };
}

/** Unix time in whole seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

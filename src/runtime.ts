import type { MikroORM } from '@mikro-orm/core';
import type { Settings } from './settings';
import type { TokenKeys } from './tokens/keys';
import { SessionCache } from './sessions/cache';
import type { UserSnapshot } from './sessions/cache';
import { VerifiedTokenCache } from './tokens/access/verified-cache';

/** Customisation points (the seeds' payload handlers). All optional. */
export interface GatehouseHooks {
  /** Extra claims for every access token of this user. Standard claims cannot be overridden. */
  extraClaims?(user: UserSnapshot): Record<string, unknown> | Promise<Record<string, unknown>>;
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
  /** Access tokens already verified by this process (signature and claims; time is checked on each use). */
  readonly verifiedTokens: VerifiedTokenCache;
  readonly hooks: GatehouseHooks;
}

export function createRuntime(settings: Settings, keys: TokenKeys, orm: MikroORM, hooks: GatehouseHooks = {}): Gatehouse {
  return { settings, keys, orm, sessions: new SessionCache(settings.sessionCacheTtl), verifiedTokens: new VerifiedTokenCache(), hooks };
}

/** Unix time in whole seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

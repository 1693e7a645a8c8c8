import type { MikroORM } from '@mikro-orm/core';
import type { Settings } from './settings';
import type { TokenKeys } from './tokens/keys';
import { type InvalidationBus, localBus } from './cluster/bus';
import { SessionCache } from './sessions/cache';
import type { UserSnapshot } from './sessions/cache';

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
  readonly hooks: GatehouseHooks;
  /** Tells other instances about logouts and revocations (none for a single SQLite process). */
  readonly bus: InvalidationBus;
}

export function createRuntime(settings: Settings, keys: TokenKeys, orm: MikroORM, hooks: GatehouseHooks = {}, bus: InvalidationBus = localBus): Gatehouse {
  return { settings, keys, orm, sessions: new SessionCache(settings.sessionCacheTtl), hooks, bus };
}

/** Unix time in whole seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

import type { MikroORM } from '@mikro-orm/core';
import type Redis from 'ioredis';
import type { Settings } from './settings';
import type { TokenKeys } from './tokens/keys';
import { chooseBus } from './cluster/choose';
import type { InvalidationBus } from './cluster/bus';
import { LoginLimiter } from './ratelimit/login-limiter';
import { connectRedis } from './ratelimit/redis';
import { SessionCache } from './sessions/cache';
import type { UserSnapshot } from './sessions/cache';
import { warmDummyHash } from './passwords/hash';

/** Customisation points (the seeds' payload handlers). All optional. */
export interface GatehouseHooks {
  /** Extra claims for every access token of this user. Standard claims cannot be overridden. */
  extraClaims?(user: UserSnapshot): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/**
 * Everything a Gatehouse instance holds: settings, keys, the ORM, the session cache and the
 * login limiter (with its Redis connection when `REDIS_URL` is set).
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
  readonly loginLimiter: LoginLimiter;
  /** Closes what the runtime opened itself (the Redis connection, the bus); not the ORM. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Where operational warnings go (a Redis outage); default console.warn. */
  warn?: (message: string) => void;
}

export function createRuntime(settings: Settings, keys: TokenKeys, orm: MikroORM, hooks: GatehouseHooks = {}, options: RuntimeOptions = {}): Gatehouse {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const redis: Redis | undefined = settings.redisUrl ? connectRedis(settings.redisUrl, warn) : undefined;
  const bus = chooseBus(settings, warn, redis);
  // The first unknown-username login must not be the one that pays for making the dummy hash.
  void warmDummyHash(settings.bcryptRounds);
  return {
    settings,
    keys,
    orm,
    sessions: new SessionCache(settings.sessionCacheTtl),
    hooks,
    bus,
    loginLimiter: new LoginLimiter(settings, redis),
    async close() {
      await bus.close();
      if (!redis) return;
      await redis.quit().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** Unix time in whole seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

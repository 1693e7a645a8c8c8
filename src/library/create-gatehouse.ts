import 'reflect-metadata';
import type { MikroORM } from '@mikro-orm/core';
import { migrate as applyMigrations, openDatabase } from '../db/orm';
import type { Logger } from '../logging/logger';
import { createRuntime, type Gatehouse, type GatehouseHooks } from '../runtime';
import { loadSettings, type Settings } from '../settings';
import { loadTokenKeys } from '../tokens/keys';
import type { Clock } from '../util/clock';

export interface CreateGatehouseOptions {
  /** Default: `loadSettings(process.env)`. */
  settings?: Settings;
  /**
   * Your own MikroORM instance, with `gatehouseEntities` in its `entities` (and Gatehouse's
   * tables made by `gatehouseMigrations` or your schema tooling). Default: Gatehouse opens
   * `DATABASE_URL` itself and applies its migrations.
   */
  orm?: MikroORM;
  hooks?: GatehouseHooks;
  /** Where Gatehouse's audit lines go (a pino logger). Default: stdout at `LOG_LEVEL`. */
  logger?: Logger;
  /** Where time comes from (default: the machine's clock); your tests can pass a `ManualClock`. */
  clock?: Clock;
}

/**
 * A Gatehouse instance for your own server: settings, signing keys, the database and hooks.
 * Put `gatehouseContext(gh)` in your Apollo context and the `@auth` transformer on your schema.
 *
 * @example
 * const gh = await createGatehouse({ hooks: { extraClaims: (user) => ({ tier: 'gold' }) } });
 * // … on shutdown: await gh.close(); await gh.orm.close();
 */
export async function createGatehouse(options: CreateGatehouseOptions = {}): Promise<Gatehouse> {
  const settings = options.settings ?? loadSettings(process.env);
  const keys = loadTokenKeys(settings);
  let orm = options.orm;
  if (!orm) {
    orm = await openDatabase(settings.database, { backgroundCheckpoints: true });
    try {
      await applyMigrations(orm);
    } catch (error) {
      await orm.close(true);
      throw error;
    }
  }
  const gh = createRuntime(settings, keys, orm, options.hooks, { logger: options.logger, clock: options.clock });
  try {
    // With several instances (REDIS_URL, or PostgreSQL), logouts and revocations reach every one.
    await gh.bus.attach(gh.sessions);
    // METRICS_PORT: Prometheus metrics on their own port.
    await gh.serveMetrics();
  } catch (error) {
    await gh.close();
    if (!options.orm) await orm.close(true);
    throw error;
  }
  return gh;
}

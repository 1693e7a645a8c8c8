import { MikroORM } from '@mikro-orm/core';
import type { DatabaseSettings } from '../settings';
import { ormConfig } from './config';

/**
 * Opens the database named by `DATABASE_URL` (does not migrate).
 *
 * @example
 * const orm = await openDatabase(loadSettings(process.env).database);
 */
export async function openDatabase(database: Pick<DatabaseSettings, 'url' | 'poolMin' | 'poolMax'>): Promise<MikroORM> {
  return MikroORM.init(ormConfig(database) as Parameters<typeof MikroORM.init>[0]);
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const migrator = orm.getMigrator();
  const applied = await migrator.up();
  return applied.map((migration) => migration.name);
}

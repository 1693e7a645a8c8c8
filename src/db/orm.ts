import { MikroORM } from '@mikro-orm/core';
import type { Settings } from '../settings';
import { ormConfig } from './config';

/** Opens the database named by `DATABASE_URL` (does not migrate). */
export async function openDatabase(settings: Pick<Settings, 'databaseUrl'> & Partial<Pick<Settings, 'databasePoolMin' | 'databasePoolMax'>>): Promise<MikroORM> {
  return MikroORM.init(ormConfig(settings) as Parameters<typeof MikroORM.init>[0]);
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const migrator = orm.getMigrator();
  const applied = await migrator.up();
  return applied.map((migration) => migration.name);
}

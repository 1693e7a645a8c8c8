import { MikroORM } from '@mikro-orm/core';
import type { DatabaseSettings } from '../settings';
import { dialectOf, ormConfig, sqlitePath } from './config';
import { prepareSqliteFile } from './sqlite-file';

/**
 * Opens the database named by `DATABASE_URL` (does not migrate). A SQLite file and its
 * folders are created private to the owner (`prepareSqliteFile`).
 *
 * @example
 * const orm = await openDatabase(loadSettings(process.env).database);
 */
export async function openDatabase(database: Pick<DatabaseSettings, 'url' | 'poolMin' | 'poolMax'>): Promise<MikroORM> {
  // The file holds password and token hashes: folder 700 and file 600 (see sqlite-file.ts).
  if (dialectOf(database.url) === 'sqlite') prepareSqliteFile(sqlitePath(database.url));
  return MikroORM.init(ormConfig(database) as Parameters<typeof MikroORM.init>[0]);
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const migrator = orm.getMigrator();
  const applied = await migrator.up();
  return applied.map((migration) => migration.name);
}

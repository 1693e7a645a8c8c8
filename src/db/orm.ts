import { MikroORM } from '@mikro-orm/core';
import type { DatabaseSettings } from '../settings';
import { dialectOf, ormConfig, type OrmOptions, sqlitePath } from './config';
import { prepareSqliteFile } from './sqlite-file';

/**
 * Opens the database named by `DATABASE_URL` (does not migrate). `backgroundCheckpoints`: for
 * a long-lived process whose runtime checkpoints SQLite off the event loop (`ormConfig`). A SQLite file and its
 * folders are created private to the owner (`prepareSqliteFile`).
 *
 * @example
 * const orm = await openDatabase(loadSettings(process.env).database);
 */
export async function openDatabase(database: Pick<DatabaseSettings, 'url' | 'poolMin' | 'poolMax'>, options: Pick<OrmOptions, 'backgroundCheckpoints'> = {}): Promise<MikroORM> {
  try {
    // The file holds password and token hashes: folder 700 and file 600 (see sqlite-file.ts).
    if (dialectOf(database.url) === 'sqlite') prepareSqliteFile(sqlitePath(database.url));
    return await MikroORM.init(ormConfig(database, options) as Parameters<typeof MikroORM.init>[0]);
  } catch (error) {
    throw new DatabaseUnavailable(database.url, error);
  }
}

/**
 * The database named by `DATABASE_URL` could not be opened. The message names the variable
 * and where it points (the SQLite file, or PostgreSQL's host, port and database: never the
 * user or password), then the driver's reason.
 *
 * @example
 * // DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:5433/app (connect ECONNREFUSED 127.0.0.1:5433)
 */
export class DatabaseUnavailable extends Error {
  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`DATABASE_URL: ${describeTarget(url)} (${reason.split('\n')[0]})`, { cause });
    this.name = 'DatabaseUnavailable';
  }
}

function describeTarget(url: string): string {
  if (dialectOf(url) === 'sqlite') return `cannot open the SQLite file ${sqlitePath(url)}`;
  try {
    const parsed = new URL(url);
    return `cannot connect to PostgreSQL at ${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'cannot connect to PostgreSQL';
  }
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const migrator = orm.getMigrator();
  const applied = await migrator.up();
  return applied.map((migration) => migration.name);
}

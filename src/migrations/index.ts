import type { MigrationObject } from '@mikro-orm/core';
import type * as PostgreSql from './postgresql';
import type * as Sqlite from './sqlite';

/**
 * One dialect's migrations, oldest first, loaded on first use: a migration class extends
 * `@mikro-orm/migrations`' `Migration`, and that package brings the migrator (umzug and its
 * command line), which a process that never opens this dialect's database does not need.
 */
export function dialectMigrations(dialect: 'sqlite' | 'postgresql'): MigrationObject[] {
  return dialect === 'postgresql'
    ? (require('./postgresql') as typeof PostgreSql).postgresqlMigrations
    : (require('./sqlite') as typeof Sqlite).sqliteMigrations;
}

/**
 * Gatehouse's migrations per dialect, for your own MikroORM config
 * (`migrations: { migrationsList: [...gatehouseMigrations.postgresql, ...yours] }`).
 * Each list is loaded when it is first read (see `dialectMigrations`).
 */
export const gatehouseMigrations: Readonly<Record<'sqlite' | 'postgresql', readonly MigrationObject[]>> = {
  get sqlite() {
    return dialectMigrations('sqlite');
  },
  get postgresql() {
    return dialectMigrations('postgresql');
  },
};

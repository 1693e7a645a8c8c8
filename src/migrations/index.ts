import type { MigrationObject } from '@mikro-orm/core';
import { postgresqlMigrations } from './postgresql';
import { sqliteMigrations } from './sqlite';

/**
 * Gatehouse's migrations per dialect, for your own MikroORM config
 * (`migrations: { migrationsList: [...gatehouseMigrations.postgresql, ...yours] }`).
 */
export const gatehouseMigrations: Readonly<Record<'sqlite' | 'postgresql', readonly MigrationObject[]>> = {
  sqlite: sqliteMigrations,
  postgresql: postgresqlMigrations,
};

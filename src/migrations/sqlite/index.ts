import type { MigrationObject } from '@mikro-orm/core';
import { lazyMigration } from '../lazy';

/**
 * Every sqlite migration, oldest first. tools/create-migration writes new ones into this folder:
 * add each here by its name. Each class is loaded when the migrator reads it (see `lazyMigration`).
 */
export const sqliteMigrations: MigrationObject[] = [
  lazyMigration('Migration20261124131110', () => require('./Migration20261124131110')),
  lazyMigration('Migration20261202130000', () => require('./Migration20261202130000')),
  lazyMigration('Migration20261202140000', () => require('./Migration20261202140000')),
  lazyMigration('Migration20261202150000', () => require('./Migration20261202150000')),
  lazyMigration('Migration20261202183000', () => require('./Migration20261202183000')),
];

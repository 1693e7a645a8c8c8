import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124131110 } from './Migration20261124131110';
import { Migration20261202130000 } from './Migration20261202130000';
import { Migration20261202140000 } from './Migration20261202140000';
import { Migration20261202150000 } from './Migration20261202150000';
import { Migration20261202183000 } from './Migration20261202183000';

/** Every postgresql migration, oldest first. tools/create-migration writes new ones here. */
export const postgresqlMigrations: MigrationObject[] = [
  { name: 'Migration20261124131110', class: Migration20261124131110 },
  { name: 'Migration20261202130000', class: Migration20261202130000 },
  { name: 'Migration20261202140000', class: Migration20261202140000 },
  { name: 'Migration20261202150000', class: Migration20261202150000 },
  { name: 'Migration20261202183000', class: Migration20261202183000 },
];

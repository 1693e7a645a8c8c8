import type { MigrationObject } from '@mikro-orm/core';

type MigrationClass = MigrationObject['class'];

/**
 * One committed migration whose class is loaded when MikroORM's migrator first reads it, i.e.
 * when the migrator is made to run or check migrations (`migrate`, MikroORM's CLI). A
 * migration class extends `@mikro-orm/migrations`' `Migration`, and loading that package
 * loads the migrator (umzug and its command line): a process that opens a database without
 * migrating (`tokens clear`, `migrate: false`) does not need it.
 *
 * `load` requires the migration's module; it exports the class under the migration's name
 * (the file, the class and the name recorded in the migrations table are the same word).
 *
 * @example lazyMigration('Migration20261124131110', () => require('./Migration20261124131110'))
 */
export function lazyMigration(name: string, load: () => Record<string, unknown>): MigrationObject {
  let migrationClass: MigrationClass | undefined;
  return {
    name,
    get class(): MigrationClass {
      if (!migrationClass) {
        const exported = load()[name];
        if (typeof exported !== 'function') throw new Error(`migration ${name}: its module exports no class ${name}`);
        migrationClass = exported as MigrationClass;
      }
      return migrationClass;
    },
  };
}

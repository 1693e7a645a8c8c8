import { resolve } from 'node:path';
import type { MigrationObject, MikroORM } from '@mikro-orm/core';
import type * as LibSql from '@mikro-orm/libsql';
import type * as Migrations from '@mikro-orm/migrations';
import type * as PostgreSql from '@mikro-orm/postgresql';
import { gatehouseEntities } from '../entities';
import { sqliteMigrations } from '../migrations/sqlite';
import { postgresqlMigrations } from '../migrations/postgresql';
import type { DatabaseSettings } from '../settings';

export type Dialect = 'sqlite' | 'postgresql';

export function dialectOf(databaseUrl: string): Dialect {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgresql' : 'sqlite';
}

/** The SQLite file named by `sqlite:PATH` or `file:PATH` (or `:memory:`). */
export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:') return databaseUrl;
  const path = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

/** Where `tools/create-migration` writes new migrations, per dialect. */
export const MIGRATION_FOLDERS: Record<Dialect, string> = {
  sqlite: 'src/migrations/sqlite',
  postgresql: 'src/migrations/postgresql',
};

const MIGRATIONS: Record<Dialect, MigrationObject[]> = {
  sqlite: sqliteMigrations,
  postgresql: postgresqlMigrations,
};

/**
 * MikroORM's migrator as an extension that loads `@mikro-orm/migrations` (umzug and its
 * command line) when the migrator is first asked for (`orm.migrator`: `migrate`, MikroORM's
 * CLI), not when the database is opened. It registers what the package's `Migrator.register`
 * does, the same migrator, made on first use.
 */
const migratorOnFirstUse = {
  register(orm: MikroORM): void {
    orm.config.registerExtension('@mikro-orm/migrator', () => {
      const { Migrator } = require('@mikro-orm/migrations') as typeof Migrations;
      return new Migrator(orm.em as ConstructorParameters<typeof Migrator>[0]);
    });
  },
};

/**
 * SQLite's own automatic checkpoint on the connections of a process that checkpoints in the
 * background (`backgroundCheckpoints`, src/db/sqlite-checkpoints.ts), kept as the bound the
 * worker cannot promise (it may be starved of CPU, or fail): at this many frames (64 MiB) a
 * commit copies the log itself, as SQLite does at 1,000 by default. Also how the runtime
 * knows the connections were opened for background checkpoints.
 */
export const BACKGROUND_AUTOCHECKPOINT_FRAMES = 16384;

export interface OrmOptions {
  debug?: boolean;
  /**
   * SQLite: move SQLite's automatic checkpoint out of the way on every connection (to
   * `BACKGROUND_AUTOCHECKPOINT_FRAMES`), for a process that checkpoints in the background instead (a server or `createGatehouse`: its runtime starts
   * `startSqliteCheckpoints`, src/db/sqlite-checkpoints.ts). Short-lived commands keep it on.
   */
  backgroundCheckpoints?: boolean;
}

/**
 * The MikroORM configuration for a database URL. Migrations are listed in code
 * (`src/migrations/<dialect>/index.ts`), so they run the same from `src` and `dist`.
 *
 * Only this dialect's driver is loaded, here, when a configuration is made: a SQLite process
 * never loads `pg`, a PostgreSQL one never loads libsql, and merely requiring Gatehouse loads
 * neither. The migrator and the migration classes are loaded when migrations run or are checked.
 */
export function ormConfig(database: Pick<DatabaseSettings, 'url' | 'poolMin' | 'poolMax'>, extra: OrmOptions = {}) {
  const dialect = dialectOf(database.url);
  const common = {
    entities: gatehouseEntities,
    extensions: [migratorOnFirstUse],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    debug: extra.debug ?? false,
    migrations: {
      tableName: 'gatehouse_migrations',
      migrationsList: MIGRATIONS[dialect],
      path: MIGRATION_FOLDERS[dialect],
      pathTs: MIGRATION_FOLDERS[dialect],
      emit: 'ts' as const,
      transactional: true,
      allOrNothing: true,
      // No snapshot: the migrator would rewrite it on every \`up\`, i.e. write into the package
      // folder of every running server. tools/create-migration diffs against a scratch
      // database migrated to the latest version instead.
      snapshot: false,
      silent: true,
    },
  };
  if (dialect === 'postgresql') {
    const { defineConfig: definePostgres } = require('@mikro-orm/postgresql') as typeof PostgreSql;
    return definePostgres({
      ...common,
      clientUrl: database.url,
      pool: { min: database.poolMin, max: database.poolMax },
    });
  }
  const { defineConfig: defineSqlite } = require('@mikro-orm/libsql') as typeof LibSql;
  return defineSqlite({
    ...common,
    dbName: sqlitePath(database.url),
    pool: {
      min: 1,
      max: 1,
      // One connection per process; WAL and a busy timeout let the CLI work beside a running server.
      // MikroORM's libsql dialect replaces the connection once it is 10 s old and turns foreign
      // keys on only for the first one (libsql builds them on by default; this does not rely on
      // that), so every connection gets every pragma here.
      // synchronous=NORMAL is SQLite's advice for WAL: commits do not wait for fsync (which, the
      // driver being synchronous, would stall the event loop about a millisecond per write); the
      // database stays consistent, but the last commits may roll back after a power loss.
      afterCreate(connection: { execute?: (sql: string) => unknown; exec?: (sql: string) => unknown }, done: (error: Error | null, connection: unknown) => void) {
        try {
          const run = (sql: string) => (connection.exec ? connection.exec(sql) : connection.execute?.(sql));
          run('PRAGMA foreign_keys = ON');
          run('PRAGMA journal_mode = WAL');
          run('PRAGMA synchronous = NORMAL');
          run('PRAGMA busy_timeout = 5000');
          if (extra.backgroundCheckpoints) run(`PRAGMA wal_autocheckpoint = ${BACKGROUND_AUTOCHECKPOINT_FRAMES}`);
          done(null, connection);
        } catch (error) {
          done(error as Error, connection);
        }
      },
    },
  });
}

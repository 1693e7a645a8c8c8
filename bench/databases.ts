import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '../src/db/orm';
import { settingsWith } from '../src/settings';
import { createUser } from '../src/users/create';
import { createScratchPostgres, postgresAnswersSync } from '../test/support/postgres';

export type DatabaseKind = 'sqlite' | 'postgresql';

/** A database of the bench's own, and where its server keeps its data folder. */
export interface BenchDatabase {
  kind: DatabaseKind;
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A new SQLite file in a temporary folder (removed by `drop`). */
export function sqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  return {
    kind: 'sqlite',
    url: `sqlite:${join(dir, 'bench.sqlite')}`,
    dataDir: dir,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether the machine's PostgreSQL (PG_URL, else postgres@127.0.0.1:5432) answers. */
export const postgresAnswers = postgresAnswersSync;

/** A new scratch PostgreSQL database (dropped by `drop`), as the tests make them. */
export async function postgresDatabase(): Promise<BenchDatabase> {
  const scratch = await createScratchPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  return {
    kind: 'postgresql',
    url: scratch.url,
    dataDir: dir,
    drop: async () => {
      rmSync(dir, { recursive: true, force: true });
      await scratch.drop();
    },
  };
}

export interface BenchUser {
  username: string;
  password: string;
  /** bcrypt cost of this user's stored hash (login costs what the hash says). */
  rounds: number;
}

/** Applies the migrations and creates the users with the library (`src/users/create.ts`). */
export async function prepareDatabase(url: string, users: BenchUser[]): Promise<void> {
  const orm = await openDatabase(settingsWith({ database: { url } }).database);
  try {
    await migrate(orm);
    for (const user of users) {
      await createUser(orm.em.fork(), { username: user.username, password: user.password }, user.rounds);
    }
  } finally {
    await orm.close(true);
  }
}
